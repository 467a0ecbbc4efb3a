using CryptoSphere.Core.Legacy;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CryptoSphere.Tests.Properties;

/// <summary>
/// The legacy codec on text full of its own markers: "&lt;end&gt;" inside a message, trailing whitespace,
/// CR LF, a header look-alike. The round trips state exactly what survives instead of removing the hard cases.
/// </summary>
public sealed class LegacyProperties
{
    private const int Runs = 1000;

    private static readonly Gen<string> Team = NearValid.LegacyText.Select(t => t.Replace("\n", ""));
    private static readonly Gen<int> Port = Gen.Choose(1, 65535);

    private static readonly Gen<(string Team, string Text, int Port)> Chats =
        from team in Team from text in NearValid.LegacyText from port in Port select (team, text, port);

    /// <summary>What a chat's text reads as at the other end: all of it, but for one trailing CR (read as half a CR LF).</summary>
    private static string Received(string text) => text.EndsWith('\r') ? text[..^1] : text;

    [Property(MaxTest = Runs)]
    public Property A_chat_round_trips_its_text_including_end_markers_and_trailing_whitespace() =>
        Prop.ForAll(Chats.ToArbitrary(), input =>
        {
            var (team, text, port) = input;
            var decoded = LegacyCodec.Decode(LegacyCodec.EncodeChat("10.0.0.1", port, team, text));
            // The team as written (LegacyNames.ForHeader: no newline, control or bracket of the name ends the header).
            return (decoded.Message is LegacyChat chat && chat.Text == Received(text) && chat.Team == LegacyNames.ForHeader(team)
                    && chat.SenderIp == "10.0.0.1" && chat.SenderPort == port)
                .Classify(team != LegacyNames.ForHeader(team), "team holds a bracket or control")
                .Classify(text.Contains("<end>"), "text holds <end>")
                .Classify(text.TrimEnd() != text, "text ends in whitespace");
        });

    [Property(MaxTest = Runs)]
    public Property Whitespace_after_the_end_marker_changes_nothing() =>
        Prop.ForAll(NearValid.LegacyText.Zip(NearValid.TrailingWhitespace).ToArbitrary(), input =>
        {
            var (text, trailing) = input;
            var exact = LegacyCodec.EncodeChat("10.0.0.1", 5000, "t", text);
            var padded = LegacyCodec.Decode([.. exact, .. System.Text.Encoding.UTF8.GetBytes(trailing)]);
            return padded.Message is LegacyChat chat && chat.Text == Received(text);
        });

    [Property(MaxTest = Runs)]
    public Property A_sender_that_closes_without_the_end_marker_is_read_up_to_the_close() =>
        Prop.ForAll(NearValid.LegacyText.Where(t => !t.TrimEnd('\r', '\n', ' ', '\t').EndsWith("<end>")).ToArbitrary(), text =>
        {
            var decoded = LegacyCodec.Decode(System.Text.Encoding.UTF8.GetBytes($"<10.0.0.1:5000> @ <t>\n{text}"));
            return decoded.Message is LegacyChat chat && chat.Text == (text.EndsWith('\n') ? text[..^1] : text);
        });

    [Property(MaxTest = Runs)]
    public Property A_disconnect_round_trips_with_or_without_trailing_whitespace() =>
        Prop.ForAll(Port.Zip(NearValid.TrailingWhitespace).ToArbitrary(), input =>
        {
            var (port, trailing) = input;
            var decoded = LegacyCodec.Decode([.. LegacyCodec.EncodeDisconnect("192.168.1.20", port), .. System.Text.Encoding.UTF8.GetBytes(trailing)]);
            return decoded.Message is LegacyDisconnect d && d.SenderIp == "192.168.1.20" && d.SenderPort == port;
        });

    /// <summary>
    /// Damaged messages: whatever the decoder accepts, it accepts as something it can write again and read
    /// back the same (so nothing it shows is an artefact of how it was parsed).
    /// </summary>
    [Property(MaxTest = Runs)]
    public Property A_damaged_message_is_refused_or_read_as_something_that_round_trips()
    {
        var valid = Chats.Select(c => LegacyCodec.EncodeChat("10.0.0.1", c.Port, c.Team, c.Text));
        var disconnect = Port.Select(p => LegacyCodec.EncodeDisconnect("10.0.0.1", p));
        return Prop.ForAll(NearValid.Damaged(Gen.Frequency((4, valid), (1, disconnect))).ToArbitrary(), data =>
        {
            var result = LegacyCodec.Decode(data);
            var holds = result.Message switch
            {
                null => !result.Success && !string.IsNullOrEmpty(result.Error),
                LegacyChat { SenderPort: { } port } chat =>
                    LegacyCodec.Decode(LegacyCodec.EncodeChat(chat.SenderIp, port, chat.Team, chat.Text)).Message is LegacyChat again
                    && again.Text == Received(chat.Text) && again.Team == LegacyNames.ForHeader(chat.Team) && again.SenderIp == chat.SenderIp && again.SenderPort == port,
                LegacyChat => result.Success, // an unreadable port: shown, but nothing to write back to
                LegacyDisconnect { SenderPort: { } port } d =>
                    LegacyCodec.Decode(LegacyCodec.EncodeDisconnect(d.SenderIp, port)).Message == d,
                _ => result.Success,
            };
            return holds
                .Classify(result.Message is LegacyChat, "read as a chat")
                .Classify(result.Message is LegacyDisconnect, "read as a disconnect")
                .Classify(result.Message is null, "refused");
        });
    }

    [Fact]
    public void The_damaged_input_often_gets_past_the_first_checks()
    {
        // Random bytes almost never start with '<' and a header ending in a newline; a good share of these must.
        var valid = Chats.Select(c => LegacyCodec.EncodeChat("10.0.0.1", c.Port, c.Team, c.Text));
        var samples = NearValid.Damaged(valid).Sample(500);

        var chats = samples.Count(s => LegacyCodec.Decode(s).Message is LegacyChat);
        var refused = samples.Count(s => !LegacyCodec.Decode(s).Success);

        // Both outcomes common (at least a tenth each; invalid UTF-8 is shown repaired, so most damage still reads as
        // a chat): the properties above test the parser's decisions, not its first check.
        Assert.InRange(chats, 50, 450);
        Assert.InRange(refused, 50, 450);
    }
}
