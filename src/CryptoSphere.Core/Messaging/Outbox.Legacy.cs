using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Core.Messaging;

// The outbox's legacy side: messages queued for an address, which may turn out to be a CryptoSphere node (then
// they move to its secure outbox) or an old peer (then each part is written once; old peers cannot acknowledge).
internal sealed partial class Outbox
{
    private async Task DeliverLegacyAsync(IReadOnlyList<StoredMessage> queued, CancellationToken token)
    {
        foreach (var message in queued)
        {
            if (!PeerKey.TryParse(message.Address, out var to, out _))
            {
                await GiveUpAsync(message, $"bad address {message.Address}").ConfigureAwait(false);
                continue;
            }
            // An address never proven to be an old peer may be a CryptoSphere node that was down: TLS first.
            string? error = null;
            System.Net.Sockets.Socket? silent = null;
            if (!_sessions.IsKnownLegacy(to))
            {
                var dial = await _dialer.DialAsync(to, null, token, keepSilent: true).ConfigureAwait(false);
                silent = dial.Silent;
                if (dial.Session is { } session)
                {
                    await _node.Store.MoveToSecureAsync(message.Id, TargetOf(to), session.RemoteId.Value, TargetOf(session.RemoteId)).ConfigureAwait(false);
                    await FlushAsync(session.RemoteId, message.Id).ConfigureAwait(false);
                    continue;
                }
                if (dial.MayFallBackToLegacy)
                    _sessions.MarkLegacy(to);
                else
                    error = dial.Error ?? "unreachable";
            }
            if (error is null && Options.SecureOnly)
            {
                silent?.Dispose();
                await GiveUpAsync(message, $"{to} only speaks the legacy protocol, and this node is --secure-only").ConfigureAwait(false);
                continue;
            }
            error ??= (await TryLegacyAsync(to, message.Id, message.Text, token, silent).ConfigureAwait(false)).Error;
            if (error is null)
                continue;
            if (message.Attempts + 1 >= Options.LegacyRetries)
                await GiveUpAsync(message, $"{error} (after {message.Attempts + 1} tries)").ConfigureAwait(false);
            else
                await _node.Store.RecordAttemptAsync(message.Id, error, _node.Now + Backoff(message.Attempts + 1)).ConfigureAwait(false);
            return; // keep the order: later messages wait for this one
        }
    }

    /// <summary>
    /// One legacy attempt; no error on success (then the message is final: old peers cannot acknowledge).
    /// A part counts as sent once the old peer has read it and closed the connection (a reset means it did not read
    /// it); a try after a later part failed sends only the parts not read yet, so none is shown twice.
    /// The caveat is set when the address greeted late: a CryptoSphere node, dialled over TLS from then on.
    /// </summary>
    public async Task<(string? Error, string? Caveat)> TryLegacyAsync(PeerKey to, Guid id, string text, CancellationToken cancellationToken,
        System.Net.Sockets.Socket? connected = null)
    {
        string? caveat = null;
        var parts = _legacy.Parts(text);
        var read = parts.Count > 1 ? _node.Store.LegacyPartsSent(id) : 0;
        for (var i = read; i < parts.Count; i++)
        {
            // The first part goes on the connection the greeting probe left open, the others on their own (the rest of
            // a message begun in plaintext stays in plaintext, so it arrives whole).
            var result = await _legacy.SendAsync(to, _legacy.Chat(parts[i]), cancellationToken, connected).ConfigureAwait(false);
            connected = null;
            if (result.Caveat is not null)
            {
                caveat = result.Caveat;
                _sessions.MarkCryptoSphere(to);
            }
            if (result.Success)
                continue;
            if (i == read)
                return (result.Error, caveat);
            await _node.Store.RecordLegacyPartsSentAsync(id, i).ConfigureAwait(false);
            return ($"{result.Error} ({i} of {parts.Count} parts arrived; the other {parts.Count - i} go on the next try)", caveat);
        }
        // Final for a legacy message (it leaves the outbox): committed before the send is reported, or a restart would send it again.
        await _node.Store.MarkSentAsync([id], leaveOutbox: true).ConfigureAwait(false);
        return (null, caveat);
    }

    public int LegacyParts(string text) => _legacy.Parts(text).Count;
}
