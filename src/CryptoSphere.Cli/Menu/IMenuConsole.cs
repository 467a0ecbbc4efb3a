using CryptoSphere.Core.Files;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Menu;

/// <summary>What the menu needs from a screen: a plain one for pipes, a rich one for terminals.</summary>
internal interface IMenuConsole
{
    /// <summary>
    /// Asks one question; null means the input has ended. A terminal throws <see cref="PromptCancelledException"/>
    /// when the user presses Ctrl+C; in a pipe a blank line or <c>exit</c> cancels where that makes sense.
    /// </summary>
    string? Ask(string prompt);

    void Info(string text);

    void Error(string text);

    /// <summary>Something that happened meanwhile (an incoming message); must not garble a prompt.</summary>
    void Notify(string text);

    void ShowMenu(string title, IReadOnlyList<(string Key, string Label)> options);

    void ShowPeers(IReadOnlyList<Peer> peers, DateTimeOffset now, TrustStore? trust = null);

    /// <summary>A numbered list of file transfers with their progress.</summary>
    void ShowTransfers(IReadOnlyList<TransferInfo> transfers);

    /// <summary>How far one transfer is (a bar on a terminal); like <see cref="Notify"/>, it must not garble a prompt.</summary>
    void ShowProgress(TransferProgress progress);
}
