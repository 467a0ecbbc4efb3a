namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// The envelopes one fetch from one mailbox brought, across its batches (docs/protocol.md §19.6). They are held,
/// opened and unacknowledged, until the mailbox says it holds nothing more, and then taken all together in their
/// senders' order: a mailbox that moves an envelope into a later batch changes nothing the user sees. Holding is
/// capped (<see cref="MaxEnvelopes"/>, <see cref="MaxBytes"/>) so a mailbox cannot make us buffer without end;
/// past the cap what is held is taken and the fetch goes on.
/// </summary>
internal sealed class MailboxFetchRun
{
    /// <summary>Envelopes asked for in one MAILBOX_FETCH.</summary>
    public const int Batch = 64;

    /// <summary>
    /// Most envelopes held before taking: four batches, more than a mailbox holds for one recipient under the
    /// default quota (<see cref="MailboxQuota.Default"/>), so with it no reordering survives.
    /// </summary>
    public const int MaxEnvelopes = 4 * Batch;

    /// <summary>Envelope bytes past which no further batch is held back (the default quota is 8 MiB).</summary>
    public const long MaxBytes = 16L * 1024 * 1024;

    private readonly Lock _gate = new();
    private readonly List<OpenedEnvelope> _held = [];
    private int _inBatch;
    private long _bytes;

    /// <summary>The after-sequence of the batch in progress (the MAILBOX_FETCH last sent).</summary>
    public long After { get; private set; }

    /// <summary>Whether so much is held that the next batch is not held back too: take what is held first.</summary>
    public bool Full
    {
        get
        {
            lock (_gate)
                return _held.Count + Batch > MaxEnvelopes || _bytes >= MaxBytes;
        }
    }

    /// <summary>A batch is asked for, after sequence <paramref name="after"/>.</summary>
    public void Ask(long after)
    {
        lock (_gate)
        {
            After = after;
            _inBatch = 0;
        }
    }

    /// <summary>Adds an envelope of the batch in progress; false (ignored: no receipt, it stays at the mailbox) past the <see cref="Batch"/> asked for.</summary>
    public bool Add(OpenedEnvelope opened)
    {
        lock (_gate)
        {
            if (_inBatch >= Batch)
                return false;
            _inBatch++;
            _held.Add(opened);
            _bytes += opened.Envelope.Encoded.Length;
            return true;
        }
    }

    /// <summary>
    /// Everything held, in the senders' order (group messages by Lamport time then author, direct ones by their place
    /// in the sender's conversation, then send time); the run holds nothing after.
    /// </summary>
    public OpenedEnvelope[] TakeOrdered()
    {
        lock (_gate)
        {
            OpenedEnvelope[] ordered =
                [.. _held.OrderBy(o => o.Payload.Lamport).ThenBy(o => o.Author.Value, StringComparer.Ordinal).ThenBy(o => o.Payload.SentAt)];
            _held.Clear();
            _bytes = 0;
            return ordered;
        }
    }
}
