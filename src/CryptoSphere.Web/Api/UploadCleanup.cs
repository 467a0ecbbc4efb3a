using CryptoSphere.Core.Files;
using CryptoSphere.Core.Node;

namespace CryptoSphere.Web.Api;

/// <summary>
/// A file the page uploaded is a copy kept only for its transfer: it goes once the transfer has ended (sent and
/// verified, declined, cancelled or failed for good), and at start any copy no unfinished transfer needs (left by a
/// crash, or by an older version that kept them all). An interrupted transfer keeps its copy, to resume from it.
/// </summary>
internal sealed class UploadCleanup : IDisposable
{
    private readonly ChatNode _node;
    private readonly string _folder;

    public UploadCleanup(ChatNode node)
    {
        _node = node;
        _folder = Path.GetFullPath(node.UploadsFolder) + Path.DirectorySeparatorChar;
        node.EventRaised += OnEvent;
        Sweep();
    }

    private void OnEvent(NodeEvent e)
    {
        var ended = e switch
        {
            TransferCompleted x => x.Transfer,
            TransferFailed x => x.Transfer,
            TransferDeclined x => x.Transfer,
            TransferCancelled x => x.Transfer,
            _ => null,
        };
        if (ended is { IsOutgoing: true } && IsUpload(ended.Path))
            Delete(ended.Path);
    }

    private void Sweep()
    {
        if (!Directory.Exists(_folder))
            return;
        var needed = _node.Transfers.Where(t => t.IsOutgoing && !t.State.IsFinished()).Select(t => Path.GetFullPath(t.Path)).ToHashSet();
        foreach (var file in Directory.EnumerateFiles(_folder))
        {
            if (!needed.Contains(Path.GetFullPath(file)))
                Delete(file);
        }
    }

    private bool IsUpload(string path) => Path.GetFullPath(path).StartsWith(_folder, StringComparison.Ordinal);

    private static void Delete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Still open or not ours to delete: the next start's sweep tries again.
        }
    }

    public void Dispose() => _node.EventRaised -= OnEvent;
}
