using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Core.Messaging;

// The outbox's pass: the loop that retries what is due, backs off while the outbox is empty (a message queued by this
// process wakes it), and dials peers that have no session.
internal sealed partial class Outbox
{
    private readonly StorePassWake _wake;
    private Task? _loop;

    /// <summary>
    /// Runs after each pass over the outbox (groups push membership changes made by other processes); true when it found
    /// work, which keeps the passes at their usual interval.
    /// </summary>
    public Func<Task<bool>>? AfterPass { get; set; }

    public void Start() => _loop = Task.Run(LoopAsync);

    public Task Completion => _loop ?? Task.CompletedTask;

    /// <summary>False in a node that does not listen (a one-off command's): nothing retries later in this process.</summary>
    public bool Running => _loop is not null;

    public void Kick() => _wake.Wake();

    private async Task MakeDueThenKickAsync(string target)
    {
        try
        {
            await _node.Store.MakeDueAsync(target, _node.Now).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ObjectDisposedException or Microsoft.Data.Sqlite.SqliteException)
        {
            MessagingLog.OutboxFailed(_log, e.Message); // the messages stay due at their old time
        }
        Kick();
    }

    public TimeSpan Backoff(int attempts)
    {
        var ticks = Options.ReconnectInitialDelay.Ticks * Math.Pow(2, Math.Min(attempts, 20));
        return TimeSpan.FromTicks((long)Math.Min(ticks, Options.ReconnectMaxDelay.Ticks));
    }

    private static string Describe(TimeSpan age) =>
        age >= TimeSpan.FromDays(1) ? $"{age.TotalDays:0.#} days"
        : age >= TimeSpan.FromHours(1) ? $"{age.TotalHours:0.#} hours"
        : age >= TimeSpan.FromSeconds(1) ? $"{age.TotalSeconds:0.#} s"
        : $"{age.TotalMilliseconds:0} ms";

    private async Task LoopAsync()
    {
        var token = _node.Stopping;
        while (!token.IsCancellationRequested)
        {
            try
            {
                _wake.PassStarting();
                var found = await DeliverDueAsync(token).ConfigureAwait(false);
                if (AfterPass is { } after)
                    found |= await after().ConfigureAwait(false);
                await _wake.WaitAsync(found, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception e) when (e is StorageException or ObjectDisposedException or Microsoft.Data.Sqlite.SqliteException)
            {
                if (_node.Store.Damage is not null)
                    break; // the node is stopping, and says why once
                MessagingLog.OutboxFailed(_log, e.Message);
                try
                {
                    await Task.Delay(Options.OutboxCheckInterval, _node.Clock, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    // True when the outbox held anything.
    private async Task<bool> DeliverDueAsync(CancellationToken token)
    {
        var now = _node.Now;
        var found = false;
        foreach (var target in _node.Store.OutboxTargets())
        {
            found = true;
            // A connected peer whose oldest message is neither expired nor waiting out a backoff: its flush reads only what
            // its session has not had yet, so its whole backlog (thousands during a burst) is not read every pass.
            if (ConversationId.TryParse(target, out var connected) && connected.PeerId is { } live && _sessions.Find(live) is not null
                && _node.Store.OutboxHead(target) is { } head && now - head.StoredAt <= Options.MaxMessageAge)
            {
                if (head.NextAttempt <= now)
                    await FlushAsync(live).ConfigureAwait(false);
                await ResendOverdueAsync(live, head.Sequence).ConfigureAwait(false);
                continue;
            }
            var rows = _node.Store.Outbox(target).ToList();
            foreach (var expired in rows.Where(r => now - r.Message.StoredAt > Options.MaxMessageAge))
                await GiveUpAsync(expired.Message, $"not delivered within {Describe(Options.MaxMessageAge)}").ConfigureAwait(false);
            rows.RemoveAll(r => now - r.Message.StoredAt > Options.MaxMessageAge);
            if (rows.Count == 0 || rows[0].NextAttempt > now)
                continue;

            if (ConversationId.TryParse(target, out var conversation) && conversation.PeerId is { } id)
                await DeliverSecureAsync(id, rows.Select(r => r.Message).ToList(), token).ConfigureAwait(false);
            else
                await DeliverLegacyAsync(rows.Select(r => r.Message).ToList(), token).ConfigureAwait(false);
        }
        return found;
    }

    private async Task DeliverSecureAsync(PeerId id, List<StoredMessage> queued, CancellationToken token)
    {
        if (_sessions.Find(id) is null)
        {
            if (AddressOf(id, queued[0]) is not { } address)
            {
                await Task.WhenAll(queued.Select(m =>
                    _node.Store.RecordAttemptAsync(m.Id, $"no known address for {id.Short}", _node.Now + Backoff(m.Attempts + 1), TargetOf(id)))).ConfigureAwait(false);
                return;
            }
            var dial = await _dialer.DialAsync(address, id, token).ConfigureAwait(false);
            if (dial.Session is null)
            {
                await Task.WhenAll(queued.Select(m =>
                    _node.Store.RecordAttemptAsync(m.Id, dial.Error ?? "unreachable", _node.Now + Backoff(m.Attempts + 1), TargetOf(id)))).ConfigureAwait(false);
                return;
            }
        }
        await FlushAsync(id).ConfigureAwait(false);
    }

    /// <summary>
    /// Connects to <paramref name="id"/> at its last known address and writes its backlog; false when it cannot be
    /// reached (its messages stay queued). For a node whose outbox does not run, which must reach members now.
    /// </summary>
    public async Task<bool> DialAndFlushAsync(PeerId id, StoredMessage message)
    {
        if (_sessions.Find(id) is null)
        {
            if (AddressOf(id, message) is not { } address)
                return false;
            if ((await _dialer.DialAsync(address, id, _node.Stopping).ConfigureAwait(false)).Session is null)
                return false;
        }
        return await FlushAsync(id).ConfigureAwait(false);
    }

    // Where to reach a peer: where it was last proven, else where its group's admin says it is.
    private PeerKey? AddressOf(PeerId id, StoredMessage message)
    {
        var text = _node.Peers.Find(id)?.Key.ToString() ?? _node.Trust.Find(id)?.LastAddress;
        if (text is null && message.IsGroup && ConversationId.TryParse(message.Conversation, out var conversation) && conversation.GroupId is { } group)
            text = _node.Store.FindGroup(group)?.Members.FirstOrDefault(m => m.Id == id)?.Address;
        text ??= message.IsGroup ? null : message.Address;
        return PeerKey.TryParse(text, out var address, out _) ? address : null;
    }
}
