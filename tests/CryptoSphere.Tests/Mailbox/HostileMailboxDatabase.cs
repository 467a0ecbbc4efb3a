using CryptoSphere.Core.Mailbox;
using Microsoft.Data.Sqlite;

namespace CryptoSphere.Tests.Mailbox;

/// <summary>
/// What a mailbox's owner can do to the envelopes it holds, done to a stopped node's mailbox.db: hand them
/// out in another order, withhold one for a while, or throw them away. The node then serves whatever its database says, as a hostile one would.
/// </summary>
internal static class HostileMailboxDatabase
{
    /// <summary>Re-inserts every held envelope in reverse order, so the next fetch hands the newest out first.</summary>
    public static void Reverse(string dataDirectory) => Reorder(dataDirectory, rows => Enumerable.Reverse(rows));

    /// <summary>Re-inserts the oldest held envelope behind all the others, so a fetch hands it out last (in its last batch).</summary>
    public static void MoveOldestToEnd(string dataDirectory) => Reorder(dataDirectory, rows => rows.Skip(1).Append(rows[0]));

    /// <summary>Takes the oldest held envelope out, as a mailbox that withholds it would; returns it for <see cref="PutBack"/>.</summary>
    public static object[] WithholdOldest(string dataDirectory)
    {
        object[]? oldest = null;
        Change(dataDirectory, (db, transaction) =>
        {
            oldest = Rows(db, transaction).First();
            using var delete = new SqliteCommand("DELETE FROM envelopes WHERE id = $id", db, transaction);
            delete.Parameters.AddWithValue("$id", oldest[0]);
            Assert.Equal(1, delete.ExecuteNonQuery());
        });
        return oldest!;
    }

    /// <summary>Hands a withheld envelope out again, behind whatever is held now.</summary>
    public static void PutBack(string dataDirectory, object[] envelope) => Change(dataDirectory, (db, transaction) => Insert(db, transaction, envelope));

    // The envelopes get new sequence numbers in the order given: the order the mailbox hands them out in.
    private static void Reorder(string dataDirectory, Func<List<object[]>, IEnumerable<object[]>> order) => Change(dataDirectory, (db, transaction) =>
    {
        var rows = Rows(db, transaction);
        Assert.True(rows.Count > 1, "the mailbox held too little to reorder");
        using (var delete = new SqliteCommand("DELETE FROM envelopes", db, transaction))
            delete.ExecuteNonQuery();
        foreach (var row in order(rows).ToList())
            Insert(db, transaction, row);
    });

    private static List<object[]> Rows(SqliteConnection db, SqliteTransaction transaction)
    {
        var rows = new List<object[]>();
        using var select = new SqliteCommand("SELECT id, recipient, sender, size, stored_at, expires_at, data FROM envelopes ORDER BY seq", db, transaction);
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add(row);
        }
        return rows;
    }

    private static void Insert(SqliteConnection db, SqliteTransaction transaction, object[] row)
    {
        using var insert = new SqliteCommand(
            "INSERT INTO envelopes(id, recipient, sender, size, stored_at, expires_at, data) VALUES ($0, $1, $2, $3, $4, $5, $6)", db, transaction);
        for (var i = 0; i < row.Length; i++)
            insert.Parameters.AddWithValue($"${i}", row[i]);
        insert.ExecuteNonQuery();
    }

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
