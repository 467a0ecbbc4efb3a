using CryptoSphere.Core.Identity;
using CryptoSphere.Tests.Cli;

namespace CryptoSphere.Tests.Faults;

/// <summary>
/// The real program with its interactive menu, driven line by line through piped stdin, the way a script
/// would drive it. Every step writes its answers and waits for the menu's reply on stdout.
/// </summary>
internal sealed class MenuNode : IAsyncDisposable
{
    private readonly SemaphoreSlim _menu = new(1, 1);

    private MenuNode(string name, PeerId id, string address, CliProcess process)
    {
        Name = name;
        Id = id;
        Address = address;
        Process = process;
    }

    public string Name { get; }

    public PeerId Id { get; }

    /// <summary>The IP it advertises (its address on the lab network).</summary>
    public string Address { get; }

    public CliProcess Process { get; }

    public CapturedOutput Stdout => Process.Stdout;

    /// <summary>Starts the menu in <paramref name="networkNamespace"/> with LAN discovery on, and waits for its first prompt.</summary>
    public static async Task<MenuNode> StartAsync(string name, PeerId id, string dataDir, string networkNamespace, string address, int port,
        TimeSpan timeout, params string[] moreArguments)
    {
        var process = CliProcess.StartIn(networkNamespace, discovery: true, ["--data-dir", dataDir, "--name", name, "--port", port.ToString(),
            "--bind", "0.0.0.0", "--advertise-ip", address, "--strict-port", "--log-level", "Debug", .. moreArguments]);
        var node = new MenuNode(name, id, address, process);
        try
        {
            await process.Stdout.WaitForAsync("Choice: ", timeout: timeout);
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    private async Task WriteAsync(string line)
    {
        await Process.Stdin.WriteLineAsync(line);
        await Process.Stdin.FlushAsync();
    }

    /// <summary>Writes <paramref name="line"/> and waits until the reply written after it contains <paramref name="expected"/>.</summary>
    private async Task<string> AnswerAsync(string line, string expected, TimeSpan timeout)
    {
        var mark = Stdout.Mark();
        await WriteAsync(line);
        return await Stdout.WaitForAsync(expected, mark, timeout);
    }

    /// <summary>Option 1 with the peer's ID: one message per line, then <c>exit</c>. Each must be sent or queued.</summary>
    public async Task ChatAsync(PeerId to, IEnumerable<string> texts, TimeSpan timeout)
    {
        await _menu.WaitAsync();
        try
        {
            await AnswerAsync("1", "Peer IP, HOST:PORT or peer ID", timeout);
            await AnswerAsync(to.Value, $"Chatting with {to.Short}.", timeout);
            foreach (var text in texts)
            {
                var mark = Stdout.Mark();
                await WriteAsync(text);
                var reply = await Stdout.WaitUntilAsync(t => t.Contains("waiting for delivery.") || t.Contains("Queued for ") || t.Contains("Error: "),
                    $"the reply to '{text}'", mark, timeout);
                if (reply.Contains("Error: "))
                    throw new InvalidOperationException($"{Name} could not send '{text}' to {to.Short}: {reply}");
            }
            await AnswerAsync("exit", "Chat session ended.", timeout);
        }
        finally
        {
            _menu.Release();
        }
    }

    /// <summary>Option 11, create.</summary>
    public async Task CreateGroupAsync(string group, TimeSpan timeout)
    {
        await _menu.WaitAsync();
        try
        {
            await AnswerAsync("11", "Action - ", timeout);
            await AnswerAsync("create", "Group name: ", timeout);
            await AnswerAsync(group, "Created ", timeout);
        }
        finally
        {
            _menu.Release();
        }
    }

    /// <summary>Option 11, add (admin only); returns once the menu reports the new version.</summary>
    public async Task AddMemberAsync(string group, PeerId member, int expectedVersion, TimeSpan timeout)
    {
        await _menu.WaitAsync();
        try
        {
            await AnswerAsync("11", "Action - ", timeout);
            await AnswerAsync("add", "Group (name or ID", timeout);
            await AnswerAsync(group, "Peer ID (or unique prefix): ", timeout);
            await AnswerAsync(member.Value, $"{group} is at version {expectedVersion}.", timeout);
        }
        finally
        {
            _menu.Release();
        }
    }

    /// <summary>Option 11, send; returns how many members had it at once (the others' copies are queued).</summary>
    public async Task<int> GroupSendAsync(string group, string text, TimeSpan timeout)
    {
        await _menu.WaitAsync();
        try
        {
            await AnswerAsync("11", "Action - ", timeout);
            await AnswerAsync("send", "Group (name or ID", timeout);
            await AnswerAsync(group, "Message: ", timeout);
            var reply = await AnswerAsync(text, " queued.", timeout);
            var match = System.Text.RegularExpressions.Regex.Match(reply, @"Sent to (\d+) members? now; (\d+) queued\.");
            if (!match.Success)
                throw new InvalidOperationException($"{Name}: unexpected reply to a group send: {reply}");
            return int.Parse(match.Groups[1].Value);
        }
        finally
        {
            _menu.Release();
        }
    }

    /// <summary>Option 9: offers <paramref name="path"/> to the peer table's row whose line contains <paramref name="peerRow"/>.</summary>
    public async Task SendFileAsync(string peerRow, string path, TimeSpan timeout)
    {
        await _menu.WaitAsync();
        try
        {
            var table = await AnswerAsync("9", "Peer number (", timeout);
            var row = table.Split('\n').Select(l => System.Text.RegularExpressions.Regex.Match(l, @"^\s+(\d+)\. (.*)$"))
                .FirstOrDefault(m => m.Success && m.Groups[2].Value.Contains(peerRow, StringComparison.Ordinal))
                ?? throw new InvalidOperationException($"{Name}: no peer row with '{peerRow}' in:\n{table}");
            await AnswerAsync(row.Groups[1].Value, "File to send", timeout);
            var mark = Stdout.Mark();
            await WriteAsync(path);
            var reply = await Stdout.WaitUntilAsync(t => t.Contains("waiting for them to accept") || t.Contains("Error: "), "the offer", mark, timeout);
            if (reply.Contains("Error: "))
                throw new InvalidOperationException($"{Name} could not offer {path}: {reply}");
        }
        finally
        {
            _menu.Release();
        }
    }

    /// <summary>Option 2: the peer table as printed, up to the next prompt.</summary>
    public async Task<string> PeersAsync(TimeSpan timeout)
    {
        await _menu.WaitAsync();
        try
        {
            var table = await AnswerAsync("2", "Choice: ", timeout);
            return table[..table.LastIndexOf("Choice: ", StringComparison.Ordinal)];
        }
        finally
        {
            _menu.Release();
        }
    }

    /// <summary>Option 10, accept: the transfer listed first (the newest).</summary>
    public async Task AcceptNewestTransferAsync(TimeSpan timeout)
    {
        await _menu.WaitAsync();
        try
        {
            await AnswerAsync("10", "Action - ", timeout);
            await AnswerAsync("accept", "Transfer number", timeout);
            await AnswerAsync("1", "Accepted ", timeout);
        }
        finally
        {
            _menu.Release();
        }
    }

    /// <summary>Option 0: peers are told goodbye, the program says "Bye." and exits 0.</summary>
    public async Task QuitAsync(TimeSpan timeout)
    {
        await _menu.WaitAsync();
        try
        {
            await AnswerAsync("0", "Bye.", timeout);
            var code = await Process.WaitForExitAsync(timeout);
            if (code != 0)
                throw new InvalidOperationException($"{Name} exited with {code}");
        }
        finally
        {
            _menu.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        _menu.Dispose();
    }
}
