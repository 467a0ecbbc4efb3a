using System.Text.Json;
using CryptoSphere.Core.Files;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// `transfers accept|cancel ID` for a transfer `transfers` lists from before the node restarted (stored, no longer
/// held by the node) said "no transfer has an ID starting with", and prefix matches counted only this run's
/// transfers (found from outside, hunt-B D9).
/// </summary>
public sealed class StoredTransferActionTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    private void Store(Guid id, string name)
    {
        using var store = ChatStore.Open(_data.Path);
        using var peer = NodeIdentity.CreateEphemeral();
        var at = DateTimeOffset.UtcNow.AddDays(-1);
        new TransferStore(store).Save(new TransferInfo(id, TransferDirection.Incoming, peer.Id, "bob", name, Path.Combine(_data.Path, name),
            3, new string('0', 64), 3, TransferState.Completed, at, at));
    }

    [Fact]
    public async Task A_stored_completed_transfer_is_answered_truly_and_counted_in_prefix_matches()
    {
        Assert.Equal(0, (await CliProcess.RunAsync("id", "--data-dir", _data.Path)).ExitCode);
        Store(Guid.Parse("0123456789ab4000a000000000000001"), "old.txt");
        Store(Guid.Parse("0123ffffffff4000a000000000000002"), "older.txt");
        var listen = CliProcess.Start(["listen", "--data-dir", _data.Path, "--name", "runner", "--port", TestNodes.DeadPort().ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1", "--json"]);
        await using var _ = listen;
        // A process start on a loaded machine can take many seconds.
        await listen.Stdout.WaitForAsync("\"node_started\"", timeout: TimeSpan.FromSeconds(60));

        var accepted = await CliProcess.RunAsync("transfers", "accept", "0123456789ab", "--data-dir", _data.Path);
        var cancelled = await CliProcess.RunAsync("transfers", "cancel", "0123", "--data-dir", _data.Path);

        Assert.Equal(1, accepted.ExitCode);
        Assert.Equal("cryptosphere: transfer old.txt [0123456789ab] is completed; nothing to accept", accepted.Stderr.Trim());
        Assert.Equal(2, cancelled.ExitCode);
        Assert.Contains("'0123' matches 2 transfers (", cancelled.Stderr);
        Assert.Contains("0123456789ab", cancelled.Stderr);
        Assert.Contains("0123ffffffff", cancelled.Stderr);
        // Nothing changed: both still listed as completed.
        var listed = JsonDocument.Parse((await CliProcess.RunAsync("transfers", "--json", "--data-dir", _data.Path)).Stdout).RootElement;
        Assert.Equal(2, listed.GetArrayLength());
        Assert.All(listed.EnumerateArray(), t => Assert.Equal("completed", t.GetProperty("state").GetString()));
    }
}
