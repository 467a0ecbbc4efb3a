using System.Globalization;
using CryptoSphere.Core.Files;

namespace CryptoSphere.Cli.Rendering;

/// <summary>How a file transfer reads in one line: who, what, how far, how fast.</summary>
internal static class TransferText
{
    /// <summary>"Sending a.pdf to bob (P5JNMT7)" or "Receiving a.pdf from bob (P5JNMT7)".</summary>
    public static string Label(TransferInfo t) =>
        t.IsOutgoing ? $"Sending {TerminalText.Safe(t.Name)} to {Who(t)}" : $"Receiving {TerminalText.Safe(t.Name)} from {Who(t)}";

    public static string Who(TransferInfo t) => t.PeerName.Length > 0 ? $"{TerminalText.Safe(t.PeerName)} ({t.PeerId.Short})" : t.PeerId.Short;

    public static string Percent(TransferInfo t) =>
        t.Size == 0 ? "100%" : ((int)(100.0 * t.Bytes / t.Size)).ToString(CultureInfo.InvariantCulture) + "%";

    /// <summary>"45% (1.2 MiB of 2.6 MiB, 3.4 MiB/s, 1 s left)".</summary>
    public static string Progress(TransferInfo t, double bytesPerSecond, TimeSpan? remaining)
    {
        var parts = $"{Sizes.Describe(t.Bytes)} of {Sizes.Describe(t.Size)}";
        if (bytesPerSecond > 0)
            parts += $", {Rate(bytesPerSecond)}";
        if (remaining is { } left && t.Bytes < t.Size)
            parts += $", {TimeLeft(left)}";
        return $"{Percent(t)} ({parts})";
    }

    public static string Rate(double bytesPerSecond) => Sizes.Describe((long)bytesPerSecond) + "/s";

    public static string TimeLeft(TimeSpan left) => left switch
    {
        { TotalSeconds: < 1 } => "under 1 s left",
        { TotalMinutes: < 1 } => $"{(int)left.TotalSeconds} s left",
        { TotalHours: < 1 } => $"{(int)left.TotalMinutes} min {left.Seconds} s left",
        _ => $"{(int)left.TotalHours} h {left.Minutes} min left",
    };

    /// <summary>One row of a transfer list: state and progress in words.</summary>
    public static string Status(TransferInfo t) => t.State switch
    {
        TransferState.Offered when t.IsOutgoing => "waiting for them to accept",
        TransferState.Offered => "waiting for you: accept or decline",
        TransferState.Active => $"{Percent(t)} ({Sizes.Describe(t.Bytes)} of {Sizes.Describe(t.Size)})",
        TransferState.Interrupted => $"interrupted at {Percent(t)}, resumes when the peer is back",
        TransferState.Completed => "completed, SHA-256 verified",
        _ => $"{t.State.ToString().ToLowerInvariant()}: {TerminalText.Safe(t.Error)}",
    };

    /// <summary>"report.pdf (2.6 MiB, SHA-256 3f2a9c0d1e5b7a68…)".</summary>
    public static string File(TransferInfo t) => $"{TerminalText.Safe(t.Name)} ({Sizes.Describe(t.Size)}, SHA-256 {t.Sha256[..16]}…)";
}
