using System.Text.Json;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Storage;
using CryptoSphere.Core.Trust;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary><c>id</c>, <c>trust</c>, <c>block</c>, <c>unblock</c>, <c>contacts</c> as processes on a temp data directory.</summary>
public sealed class ContactCommandTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Id_creates_the_identity_once_and_prints_the_same_id_every_time()
    {
        var first = await CliProcess.RunAsync("id", "--data-dir", _data.Path);
        var second = await CliProcess.RunAsync("id", "--data-dir", _data.Path);

        Assert.Equal(0, first.ExitCode);
        var printed = first.Stdout.Trim();
        Assert.True(PeerId.TryParse(printed, out var id), printed);
        Assert.Equal(printed, second.Stdout.Trim());
        using var loaded = NodeIdentity.LoadOrCreate(_data.Path);
        Assert.Equal(loaded.Id, id);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_data.Combine(NodeIdentity.FileName)));
    }

    [Fact]
    public async Task A_damaged_identity_file_is_an_error_and_is_left_untouched()
    {
        var path = _data.Combine(NodeIdentity.FileName);
        await File.WriteAllTextAsync(path, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n");
        var before = await File.ReadAllBytesAsync(path);

        var (code, stdout, stderr) = await CliProcess.RunAsync("id", "--data-dir", _data.Path);

        Assert.NotEqual(0, code);
        Assert.Equal("", stdout.Trim());
        Assert.Contains("damaged", stderr);
        Assert.Equal(before, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task Trust_block_and_unblock_change_the_state_shown_by_contacts()
    {
        var other = NodeIdentity.CreateEphemeral().Id;

        Assert.Equal(0, (await CliProcess.RunAsync("trust", "--data-dir", _data.Path, other.ToString())).ExitCode);
        Assert.Equal("trusted", await StateInContacts(other));

        // A unique prefix of a known ID is enough, in any case.
        Assert.Equal(0, (await CliProcess.RunAsync("block", "--data-dir", _data.Path, other.Short.ToLowerInvariant())).ExitCode);
        Assert.Equal("blocked", await StateInContacts(other));

        Assert.Equal(0, (await CliProcess.RunAsync("unblock", "--data-dir", _data.Path, other.Value)).ExitCode);
        Assert.Equal("unknown", await StateInContacts(other));
        using var store = ChatStore.Open(_data.Path);
        Assert.Equal(TrustState.Unknown, new TrustStore(store).StateOf(other));
    }

    [Fact]
    public async Task Trust_of_an_unknown_prefix_fails_and_changes_nothing()
    {
        var (code, _, stderr) = await CliProcess.RunAsync("trust", "--data-dir", _data.Path, "ABCDEFG");

        Assert.Equal(2, code);
        Assert.Contains("no known peer ID starts with 'ABCDEFG'", stderr);
        using var store = ChatStore.Open(_data.Path);
        Assert.Empty(new TrustStore(store).All());
    }

    private async Task<string?> StateInContacts(PeerId id)
    {
        var (code, stdout, _) = await CliProcess.RunAsync("contacts", "--data-dir", _data.Path, "--json");
        Assert.Equal(0, code);
        return JsonDocument.Parse(stdout).RootElement.EnumerateArray()
            .Single(c => c.GetProperty("id").GetString() == id.ToString())
            .GetProperty("state").GetString();
    }
}
