using CryptoSphere.Core.Storage;
using Microsoft.Data.Sqlite;

namespace CryptoSphere.Tests.Storage;

/// <summary>
/// What a command says when the database cannot be opened. Found from outside: a data folder the user could read but
/// not write (run as another user) gave SQLite's "attempt to write a readonly database" for `history`, which only reads.
/// </summary>
public sealed class OpenErrorTextTests
{
    [Fact]
    public void A_database_that_cannot_be_written_names_the_folder_and_why_reading_needs_writing()
    {
        var text = ChatStore.Describe(new SqliteException("SQLite Error 8: 'attempt to write a readonly database'.", 8), "/home/a/.cryptosphere/chat.db");

        Assert.StartsWith("the database /home/a/.cryptosphere/chat.db cannot be written", text);
        Assert.Contains("check that you own its folder and can write there", text);
        Assert.Contains("attempt to write a readonly database", text);
    }

    [Fact]
    public void Damage_and_locks_keep_their_own_words()
    {
        Assert.Contains("is damaged", ChatStore.Describe(new SqliteException("malformed", 11), "/d/chat.db"));
        Assert.Contains("is locked by another process", ChatStore.Describe(new SqliteException("busy", 5), "/d/chat.db"));
        Assert.StartsWith("cannot open the database /d/chat.db", ChatStore.Describe(new SqliteException("other", 1), "/d/chat.db"));
    }
}
