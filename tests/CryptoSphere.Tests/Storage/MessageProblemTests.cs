using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Tests.Storage;

/// <summary>
/// What the JSON history and the web API show as a message's error: found from outside, a delivered message still
/// carried "connection refused (is the peer running?)" from a try before its peer came back.
/// </summary>
public sealed class MessageProblemTests
{
    private static StoredMessage With(MessageState state) =>
        new(Guid.CreateVersion7(), "legacy:127.0.0.1:5000", true, null, "127.0.0.1:5000", "bob", "hi", PeerProtocol.Legacy,
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, state) { Error = "connection refused (is the peer running?)" };

    [Theory]
    [InlineData(MessageState.Queued, true)]
    [InlineData(MessageState.Failed, true)]
    [InlineData(MessageState.Sent, false)]
    [InlineData(MessageState.Delivered, false)]
    public void An_error_from_an_earlier_try_is_shown_only_while_it_still_explains_the_state(MessageState state, bool shown)
    {
        var message = With(state);

        Assert.Equal(shown ? message.Error : null, message.Problem);
    }
}
