using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Files;

/// <summary>Names from the network are untrusted: whatever a sender calls its file, it lands inside the downloads folder.</summary>
public sealed class HostileNameTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _downloads;
    private readonly EventWaiter _bobEvents = new();
    private ChatNode _alice = null!;
    private ChatNode _bob = null!;

    public HostileNameTests() => _downloads = Path.Combine(_dir.Path, "sub", "downloads");

    public async Task InitializeAsync()
    {
        _alice = await TestNodes.StartAsync("alice");
        _bob = await TestNodes.StartAsync("bob", _bobEvents, o => o with { DownloadsDirectory = _downloads });
        TestFiles.AcceptEverything(_bob);
    }

    public async Task DisposeAsync()
    {
        await _alice.DisposeAsync();
        await _bob.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose();

    private async Task<string> SendAs(string name, string content = "payload")
    {
        var source = _dir.Combine("source-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(source, content);
        var id = (await _alice.OfferFileAsync(TestNodes.KeyOf(_bob), source, name)).Info().Id;
        return (await _bobEvents.For<TransferCompleted>(id)).Transfer.Path;
    }

    [Theory]
    [InlineData("../../x", "x")]
    [InlineData("/etc/passwd", "passwd")]
    [InlineData("..\\..\\windows\\evil.dll", "evil.dll")]
    [InlineData("con", "_con")]
    [InlineData("CON.txt", "_CON.txt")]
    [InlineData("lpt1", "_lpt1")]
    [InlineData("..", "file")]
    [InlineData("report\u0000.txt", "report_.txt")]
    [InlineData("bell\u0007\nline\r\u001b[31mred", "bell__line__[31mred")]
    [InlineData("invoice\u202Etxt.exe", "invoicetxt.exe")]
    public async Task A_hostile_name_becomes_a_safe_name_inside_the_downloads_folder(string offered, string expected)
    {
        var path = await SendAs(offered);

        Assert.Equal(Path.Combine(_downloads, expected), path);
        Assert.Equal("payload", await File.ReadAllTextAsync(path));
        // Nothing landed next to the downloads folder or above it.
        Assert.Equal(["downloads"], Directory.GetFileSystemEntries(Path.Combine(_dir.Path, "sub")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task An_existing_file_is_never_overwritten()
    {
        Directory.CreateDirectory(_downloads);
        await File.WriteAllTextAsync(Path.Combine(_downloads, "notes.txt"), "mine");

        var first = await SendAs("notes.txt", "theirs 1");
        var second = await SendAs("../notes.txt", "theirs 2");

        Assert.Equal("mine", await File.ReadAllTextAsync(Path.Combine(_downloads, "notes.txt")));
        Assert.Equal(Path.Combine(_downloads, "notes (1).txt"), first);
        Assert.Equal(Path.Combine(_downloads, "notes (2).txt"), second);
        Assert.Equal("theirs 2", await File.ReadAllTextAsync(second));
    }
}
