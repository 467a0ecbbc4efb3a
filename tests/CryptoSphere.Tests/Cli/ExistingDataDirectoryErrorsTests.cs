using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// A --data-dir that exists but is no data directory gets an error that says what is wrong with it: an empty folder
/// was called "no data directory at X", and a chat.db that is a folder gave .NET's "The file ... already exists"
/// (hunt-A item 9). An unreadable folder ("cannot read X: permission denied") needs a user other than root and
/// was tried from outside with setpriv.
/// </summary>
public sealed class ExistingDataDirectoryErrorsTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("history")]
    [InlineData("contacts")]
    public async Task An_existing_empty_folder_has_no_CryptoSphere_data(string command)
    {
        var empty = _temp.Combine("empty");
        Directory.CreateDirectory(empty);

        var (code, _, stderr) = await CliProcess.RunAsync(command, "--data-dir", empty);

        Assert.Equal(2, code);
        Assert.Equal($"cryptosphere: {empty} has no CryptoSphere data (no identity.pem or chat.db); check --data-dir, or start a node there first",
            stderr.Trim());
        Assert.Empty(Directory.EnumerateFileSystemEntries(empty));
    }

    [Theory]
    [InlineData("history")]
    [InlineData("group create")]
    public async Task A_chat_db_that_is_a_folder_is_named_as_such(string command)
    {
        var data = _temp.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("id", "--data-dir", data)).ExitCode);
        File.Delete(Path.Combine(data, "chat.db"));
        Directory.CreateDirectory(Path.Combine(data, "chat.db"));
        // "group create" opens the directory to write (Profile.Open), "history" only to read (OpenExisting).
        string[] args = [.. command.Split(' '), "--data-dir", data, .. command == "group create" ? new[] { "lab" } : []];

        var (code, _, stderr) = await CliProcess.RunAsync(args);

        Assert.NotEqual(0, code);
        Assert.Equal($"cryptosphere: {Path.Combine(data, "chat.db")} is a folder, not a database", stderr.Trim());
    }
}
