namespace CryptoSphere.Cli.Menu;

/// <summary>The user cancelled a prompt (Ctrl+C on a terminal): the menu drops what it was asking and goes back.</summary>
internal sealed class PromptCancelledException() : Exception("cancelled");
