using System.Collections.Concurrent;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Storage;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Node;

// Offline delivery: the outbox is the source of truth; a message leaves it when acknowledged (secure),
// written (legacy), or given up and reported.
public sealed partial class ChatNode
{
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _deliveries = new();
    // Per outbox target: the session its messages were last written on, and how far.
    private readonly ConcurrentDictionary<string, (SecureSession Session, long Sequence)> _flushed = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _flushLocks = new();
    private readonly SemaphoreSlim _outboxKick = new(0);
    private Task? _outboxLoop;

    private static string TargetOf(PeerId id) => "peer:" + id.Value;

    private void KickOutbox()
    {
        if (_outboxKick.CurrentCount == 0)
            _outboxKick.Release();
    }

    private TimeSpan Backoff(int attempts)
    {
        var ticks = _options.ReconnectInitialDelay.Ticks * Math.Pow(2, Math.Min(attempts, 20));
        return TimeSpan.FromTicks((long)Math.Min(ticks, _options.ReconnectMaxDelay.Ticks));
    }

    private static string Describe(TimeSpan age) =>
        age >= TimeSpan.FromDays(1) ? $"{age.TotalDays:0.#} days"
        : age >= TimeSpan.FromHours(1) ? $"{age.TotalHours:0.#} hours"
        : age >= TimeSpan.FromSeconds(1) ? $"{age.TotalSeconds:0.#} s"
        : $"{age.TotalMilliseconds:0} ms";

    private void StartOutbox() => _outboxLoop = Task.Run(OutboxLoopAsync);

    private async Task OutboxLoopAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await DeliverDueAsync(token).ConfigureAwait(false);
                await PushChangedGroupsAsync().ConfigureAwait(false);
                await _outboxKick.WaitAsync(_options.OutboxCheckInterval, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception e) when (e is StorageException or ObjectDisposedException or Microsoft.Data.Sqlite.SqliteException)
            {
                _log.LogError("Outbox delivery failed: {Error}", e.Message);
                await Task.Delay(_options.OutboxCheckInterval, _clock, token).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
        }
    }

    private async Task DeliverDueAsync(CancellationToken token)
    {
        var now = Now;
        foreach (var group in Store.Outbox().GroupBy(r => r.Target))
        {
            var rows = group.ToList();
            foreach (var expired in rows.Where(r => now - r.Message.StoredAt > _options.MaxMessageAge))
                GiveUp(expired.Message, $"not delivered within {Describe(_options.MaxMessageAge)}");
            rows.RemoveAll(r => now - r.Message.StoredAt > _options.MaxMessageAge);
            if (rows.Count == 0 || rows[0].NextAttempt > now)
                continue;

            if (group.Key.StartsWith("peer:", StringComparison.Ordinal) && PeerId.TryParse(group.Key[5..], out var id))
                await DeliverSecureAsync(id, rows.Select(r => r.Message).ToList(), token).ConfigureAwait(false);
            else
                await DeliverLegacyAsync(rows.Select(r => r.Message).ToList(), token).ConfigureAwait(false);
        }
    }

    private async Task DeliverSecureAsync(PeerId id, IReadOnlyList<StoredMessage> queued, CancellationToken token)
    {
        if (FindSession(id) is null)
        {
            if (AddressOf(id, queued[0]) is not { } address)
            {
                foreach (var m in queued)
                    Store.RecordAttempt(m.Id, $"no known address for {id.Short}", Now + Backoff(m.Attempts + 1), TargetOf(id));
                return;
            }
            var dial = await DialAsync(address, id, token).ConfigureAwait(false);
            if (dial.Session is null)
            {
                foreach (var m in queued)
                    Store.RecordAttempt(m.Id, dial.Error ?? "unreachable", Now + Backoff(m.Attempts + 1), TargetOf(id));
                return;
            }
        }
        await FlushSecureAsync(id).ConfigureAwait(false);
    }

    // Where to reach a peer: where it was last proven, else where its group's admin says it is.
    private PeerKey? AddressOf(PeerId id, StoredMessage message)
    {
        var text = Peers.Find(id)?.Key.ToString() ?? Trust.Find(id)?.LastAddress;
        if (text is null && message.IsGroup && Guid.TryParse(message.Conversation[StoredMessage.GroupPrefix.Length..], out var group))
            text = Store.FindGroup(group)?.Members.FirstOrDefault(m => m.Id == id)?.Address;
        text ??= message.IsGroup ? null : message.Address;
        return PeerKey.TryParse(text, out var address, out _) ? address : null;
    }

    /// <summary>
    /// Writes, in order, every outbox message for <paramref name="id"/> not yet written on its live session.
    /// Returns false when there is no live session.
    /// </summary>
    private async Task<bool> FlushSecureAsync(PeerId id)
    {
        var target = TargetOf(id);
        var gate = _flushLocks.GetOrAdd(target, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (FindSession(id) is not { } session)
                return false;
            // On a new session everything unacknowledged goes again; on the same one only what is new.
            var after = _flushed.TryGetValue(target, out var flushed) && flushed.Session == session ? flushed.Sequence : 0;
            foreach (var (message, _, _) in Store.Outbox(target, after))
            {
                _flushed[target] = (session, message.Sequence);
                if (AsChat(message) is { } chat)
                    await session.SendChatAsync(chat).ConfigureAwait(false);
                else
                    await session.SendAsync(AsGroupMessage(message), static (m, w) => m.Encode(w)).ConfigureAwait(false);
                if (message.State == MessageState.Queued)
                    Store.MarkSent(message.Id, leaveOutbox: false);
            }
            return true;
        }
        catch (IOException)
        {
            return false; // the session closed meanwhile; the rest goes out on the next one
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task DeliverLegacyAsync(IReadOnlyList<StoredMessage> queued, CancellationToken token)
    {
        foreach (var message in queued)
        {
            if (!PeerKey.TryParse(message.Address, out var to, out _))
            {
                GiveUp(message, $"bad address {message.Address}");
                continue;
            }
            // An address never proven to be an old peer may be a CryptoSphere node that was down: TLS first.
            string? error = null;
            if (!IsKnownLegacy(to))
            {
                var dial = await DialAsync(to, null, token).ConfigureAwait(false);
                if (dial.Session is { } session)
                {
                    Store.MoveToSecure(message.Id, "legacy:" + to, session.RemoteId.Value, TargetOf(session.RemoteId));
                    await FlushSecureAsync(session.RemoteId).ConfigureAwait(false);
                    continue;
                }
                if (dial.MayFallBackToLegacy)
                    _knownLegacy[to] = 0;
                else
                    error = dial.Error ?? "unreachable";
            }
            if (error is null && _options.SecureOnly)
            {
                GiveUp(message, $"{to} only speaks the legacy protocol, and this node is --secure-only");
                continue;
            }
            error ??= await TryLegacyAsync(to, message.Id, message.Text, token).ConfigureAwait(false);
            if (error is null)
                continue;
            if (message.Attempts + 1 >= _options.LegacyRetries)
                GiveUp(message, $"{error} (after {message.Attempts + 1} tries)");
            else
                Store.RecordAttempt(message.Id, error, Now + Backoff(message.Attempts + 1));
            return; // keep the order: later messages wait for this one
        }
    }

    private void GiveUp(StoredMessage message, string reason)
    {
        if (!Store.MarkFailed(message.Id, reason))
            return;
        if (_deliveries.TryRemove(message.Id, out var waiting))
            waiting.TrySetException(new IOException(reason));
        _log.LogWarning("Message {Id} to {Address} failed: {Reason}", message.Id, message.Address, reason);
        Raise(new MessageFailed(Now, PeerKey.TryParse(message.Address, out var to, out _) ? to : default, message.Id, reason));
    }

    private void OnAck(SecureSession session, Guid id, Action applied) =>
        Store.AppendAcknowledgement(id, TargetOf(session.RemoteId), settled =>
        {
            applied();
            if (!settled)
                return;
            if (_deliveries.TryRemove(id, out var waiting))
                waiting.TrySetResult();
            Raise(new MessageDelivered(Now, session.Address, session.RemoteId, id));
        });
}
