using CryptoSphere.Core.Mailbox;
using Microsoft.Data.Sqlite;

namespace CryptoSphere.Tests.Mailbox;

/// <summary>
/// What a mailbox's owner can do to the envelopes it holds, done to a stopped node's mailbox.db: hand them
/// out in another order, or throw them away. The node then serves whatever its database says, as a hostile one would.
/// </summary>
internal static class HostileMailboxDatabase
{
    /// <summary>Re-inserts every held envelope in reverse order, so the next fetch hands the newest out first.</summary>
    public static void Reverse(string dataDirectory) => Reorder(dataDirectory, rows => Enumerable.Reverse(rows));

    /// <summary>Re-inserts the oldest held envelope behind all the others, so a fetch hands it out last (in its last batch).</summary>
    public static void MoveOldestToEnd(string dataDirectory) => Reorder(dataDirectory, rows => rows.Skip(1).Append(rows[0]));

    // The envelopes get new sequence numbers in the order given: the order the mailbox hands them out in.
    private static void Reorder(string dataDirectory, Func<List<object[]>, IEnumerable<object[]>> order) => Change(dataDirectory, (db, transaction) =>
    {
        var rows = new List<object[]>();
        using (var select = new SqliteCommand("SELECT id, recipient, sender, size, stored_at, expires_at, data FROM envelopes ORDER BY seq", db, transaction))
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
            {
                var row = new object[reader.FieldCount];
                reader.GetValues(row);
                rows.Add(row);
            }
        }
        Assert.True(rows.Count > 1, "the mailbox held too little to reorder");
        using (var delete = new SqliteCommand("DELETE FROM envelopes", db, transaction))
            delete.ExecuteNonQuery();
        foreach (var row in order(rows).ToList())
        {
            using var insert = new SqliteCommand(
                "INSERT INTO envelopes(id, recipient, sender, size, stored_at, expires_at, data) VALUES ($0, $1, $2, $3, $4, $5, $6)", db, transaction);
            for (var i = 0; i < row.Length; i++)
                insert.Parameters.AddWithValue($"${i}", row[i]);
            insert.ExecuteNonQuery();
        }
    });

    /// <summary>Deletes every held envelope without a receipt, as a mailbox that loses or withholds mail would.</summary>
    public static void DropAll(string dataDirectory) => Change(dataDirectory, (db, transaction) =>
    {
        using var delete = new SqliteCommand("DELETE FROM envelopes", db, transaction);
        Assert.True(delete.ExecuteNonQuery() > 0, "the mailbox held nothing to drop");
    });

    private static void Change(string dataDirectory, Action<SqliteConnection, SqliteTransaction> change)
    {
        var path = Path.Combine(dataDirectory, MailboxStore.FileName);
        using var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        db.Open();
        using var transaction = db.BeginTransaction();
        change(db, transaction);
        transaction.Commit();
    }
}
