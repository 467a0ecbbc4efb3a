using System.CommandLine;

namespace CryptoSphere.Cli.Commands;

/// <summary>What every one-off sending command (send, send-file) needs: the peer, who you are, where to answer.</summary>
internal sealed class OneOffOptions(string timeoutDescription)
{
    public Option<string> To { get; } = new("--to") { Description = "The peer: HOST:PORT, or a known peer ID (or a unique prefix)", Required = true };

    public Option<string> Name { get; } = new("--name", "-n") { Description = "Your display name", Required = true };

    public Option<int?> FromPort { get; } = new("--from-port")
    {
        Description = "The port your node listens on, sent so the peer can answer",
        Required = true,
        CustomParser = NodeSettings.ParsePort,
    };

    public Option<string?> AdvertiseIp { get; } = new("--advertise-ip") { Description = "This node's IP as peers should see it, written in legacy headers (default: detected)" };

    public Option<int> Timeout { get; } = new("--timeout") { Description = timeoutDescription, DefaultValueFactory = _ => 5 };

    public Option<string> DataDir { get; } = DataDirectory.CreateOption();

    public void AddTo(Command command)
    {
        OptionChecks.Positive(Timeout);
        OptionChecks.IpAddress(AdvertiseIp);
        OptionChecks.DisplayName(Name);
        foreach (var option in new Option[] { To, Name, FromPort, AdvertiseIp, Timeout, DataDir })
            command.Options.Add(option);
    }
}
