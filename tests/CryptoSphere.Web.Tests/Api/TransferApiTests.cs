using System.Net;
using System.Net.Http.Headers;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;
using CryptoSphere.Web.Tests.Support;

namespace CryptoSphere.Web.Tests.Api;

/// <summary>File transfers through the API: the page uploads, the node offers, the peer accepts, both see it done.</summary>
public sealed class TransferApiTests : IAsyncLifetime
{
    private readonly TempDirectory _downloads = new();
    private readonly TempDirectory _aliceFiles = new();
    private WebNode _a = null!;
    private ChatNode _b = null!;
    private EventWaiter _bEvents = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _a = await WebNode.StartAsync("alice", o => o with { DownloadsDirectory = _aliceFiles.Path });
        _bEvents = new EventWaiter();
        _b = await TestNodes.StartAsync("bob", _bEvents, o => o with { DownloadsDirectory = _downloads.Path });
        _client = await _a.SignedInAsync();
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        _bEvents.Dispose();
        await _b.DisposeAsync();
        _downloads.Dispose();
        _aliceFiles.Dispose();
    }

    private static HttpContent FileBody(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }

    [Fact]
    public async Task An_uploaded_file_is_offered_accepted_and_arrives_identical_under_a_safe_name()
    {
        var bytes = new byte[300_000];
        new Random(7).NextBytes(bytes);
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/transfers?to=127.0.0.1:{_b.Port}&name=..%2F..%2Freport.bin") { Content = FileBody(bytes) };
        request.Headers.Add("X-CryptoSphere", "1");

        var offered = await Json.ReadAsync(await _client.SendAsync(request));
        Assert.Equal("out", offered.GetProperty("direction").GetString());
        Assert.Equal("report.bin", offered.GetProperty("name").GetString());

        var incoming = await _bEvents.WaitFor<TransferOffered>();
        Assert.True((await _b.AcceptTransferAsync(incoming.Transfer.Id)).Success);
        var done = await _bEvents.WaitFor<TransferCompleted>(c => c.Transfer.Id == incoming.Transfer.Id, TimeSpan.FromSeconds(30));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(done.Transfer.Path));
        Assert.Equal(_downloads.Path, Path.GetDirectoryName(done.Transfer.Path));

        await Eventually.HoldsAsync(() => Json.GetAsync(_client, "/api/transfers").Result.EnumerateArray()
            .Any(t => t.GetProperty("state").GetString() == "completed"), "the sender's list shows it completed");
    }

    [Fact]
    public async Task An_upload_waits_in_an_owner_only_folder_and_arrives_owner_only()
    {
        if (OperatingSystem.IsWindows())
            return;
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/transfers?to=127.0.0.1:{_b.Port}&name=private.txt") { Content = FileBody([1, 2, 3]) };
        request.Headers.Add("X-CryptoSphere", "1");

        await Json.ReadAsync(await _client.SendAsync(request));
        var incoming = await _bEvents.WaitFor<TransferOffered>();

        // Offered, not yet accepted: the upload waits in alice's uploads folder.
        var uploads = Path.Combine(_aliceFiles.Path, "uploads");
        Assert.Equal(OwnerOnly.DirectoryMode, File.GetUnixFileMode(uploads));
        Assert.Equal(OwnerOnly.FileMode, File.GetUnixFileMode(Assert.Single(Directory.GetFiles(uploads))));
        Assert.True((await _b.AcceptTransferAsync(incoming.Transfer.Id)).Success);
        var done = await _bEvents.WaitFor<TransferCompleted>(c => c.Transfer.Id == incoming.Transfer.Id, TimeSpan.FromSeconds(30));
        Assert.Equal(OwnerOnly.FileMode, File.GetUnixFileMode(done.Transfer.Path));
        // Sent and verified: the copy goes (found from outside: every upload stayed in uploads/ for good).
        await Eventually.HoldsAsync(() => Directory.GetFiles(uploads).Length == 0, "the uploaded copy is deleted once the transfer ended");
    }

    [Fact]
    public async Task A_declined_uploads_copy_goes_and_an_upload_cut_off_half_way_leaves_nothing()
    {
        var uploads = Path.Combine(_aliceFiles.Path, "uploads");
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/transfers?to=127.0.0.1:{_b.Port}&name=unwanted.bin") { Content = FileBody([4, 5, 6]) };
        request.Headers.Add("X-CryptoSphere", "1");
        await Json.ReadAsync(await _client.SendAsync(request));
        var offered = await _bEvents.WaitFor<TransferOffered>();
        Assert.Single(Directory.GetFiles(uploads));

        Assert.True((await _b.DeclineTransferAsync(offered.Transfer.Id, "no thanks")).Success);
        await Eventually.HoldsAsync(() => Directory.GetFiles(uploads).Length == 0, "the declined upload's copy is deleted");

        // The browser goes away after 64 KiB: the request fails, and no partial copy stays.
        var cut = new HttpRequestMessage(HttpMethod.Post, $"/api/transfers?to=127.0.0.1:{_b.Port}&name=cut.bin")
        {
            Content = new StreamContent(new ScriptedStream([new byte[64 * 1024]], endAfterChunks: false, new IOException("the browser went away"))),
        };
        cut.Headers.Add("X-CryptoSphere", "1");
        await Assert.ThrowsAnyAsync<Exception>(() => _client.SendAsync(cut));
        await Eventually.HoldsAsync(() => Directory.GetFiles(uploads).Length == 0, "the cut-off upload left no file");
        Assert.Single(_bEvents.All<TransferOffered>());
    }

    [Fact]
    public async Task An_upload_without_the_guard_header_is_refused_and_nothing_is_offered()
    {
        var response = await _client.PostAsync($"/api/transfers?to=127.0.0.1:{_b.Port}&name=x.bin", FileBody([1, 2, 3]));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty((await Json.GetAsync(_client, "/api/transfers")).EnumerateArray());
        Assert.Empty(_bEvents.All<TransferOffered>());
    }

    [Fact]
    public async Task Accepting_an_unknown_transfer_is_a_clear_error()
    {
        var response = await WebNode.PostAsync(_client, $"/api/transfers/{Guid.NewGuid()}/accept");
        var error = await Json.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.False(string.IsNullOrEmpty(error.GetProperty("error").GetString()));
    }
}
