using CryptoSphere.Core.Relay.Protocol;

namespace CryptoSphere.Core.Relay;

/// <summary>
/// Dials a peer through several relays at once and keeps the first session: a discovery server may list many relays
/// (up to 64), stale or black-holed ones among them, and one at a time, each with its own timeout, a send waited
/// over a minute (7 dead relays: 70 s) and could wait 11 minutes (hunt C3b). So at most <paramref name="parallel"/>
/// dials run together, and the whole race ends at <paramref name="limit"/>.
/// </summary>
internal static class RelayRace
{
    /// <param name="Tried">How many relays were dialled (those after the limit was reached were not).</param>
    public sealed record Outcome(RelaySession? Session, IReadOnlyList<(RelayUrl Relay, Exception Error)> Failures, int Tried, bool OutOfTime);

    public static async Task<Outcome> RunAsync(IReadOnlyList<RelayUrl> relays, Func<RelayUrl, CancellationToken, Task<RelaySession>> dial,
        int parallel, TimeSpan limit, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(limit);
        var failures = new List<(RelayUrl, Exception)>();
        var running = new Dictionary<Task<RelaySession>, RelayUrl>();
        var next = 0;
        RelaySession? won = null;
        var outOfTime = false;
        try
        {
            while (won is null)
            {
                while (running.Count < parallel && next < relays.Count && !stop.IsCancellationRequested)
                {
                    var relay = relays[next++];
                    running[DialAsync(dial, relay, stop.Token)] = relay;
                }
                if (running.Count == 0)
                    break;
                var done = await Task.WhenAny(running.Keys).ConfigureAwait(false);
                var which = running[done];
                running.Remove(done);
                try
                {
                    won = await done.ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Only the race's own limit cancels a dial here.
                    outOfTime = true;
                    failures.Add((which, new TimeoutException($"no session within the {limit.TotalSeconds:0.#} s limit")));
                }
                catch (Exception e) when (IsRelayFailure(e))
                {
                    failures.Add((which, e));
                }
            }
        }
        finally
        {
            // The winner is kept; dials still running are cancelled, and a session one of them still makes is closed.
            stop.Cancel();
            foreach (var late in running.Keys)
                _ = CloseLateAsync(late);
        }
        if (cancellationToken.IsCancellationRequested)
        {
            if (won is not null)
                await won.DisposeAsync().ConfigureAwait(false);
            throw new OperationCanceledException(cancellationToken);
        }
        return new Outcome(won, failures, next, outOfTime || won is null && next < relays.Count);
    }

    /// <summary>The failures a relay dial reports; anything else is a bug and propagates.</summary>
    public static bool IsRelayFailure(Exception e) =>
        e is RelayRefusedException or RelayIdentityException or RelayProtocolException or TimeoutException or IOException
            or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException;

    // Yields first, so a dial that fails synchronously is still a failed task, not an exception out of the loop.
    private static async Task<RelaySession> DialAsync(Func<RelayUrl, CancellationToken, Task<RelaySession>> dial, RelayUrl relay,
        CancellationToken token)
    {
        await Task.Yield();
        return await dial(relay, token).ConfigureAwait(false);
    }

    private static async Task CloseLateAsync(Task<RelaySession> late)
    {
        try
        {
            await (await late.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException || IsRelayFailure(e))
        {
            // Cancelled or failed: nothing to close.
        }
    }
}
