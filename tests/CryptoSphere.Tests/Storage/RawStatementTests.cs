using CryptoSphere.Core.Storage;
using Microsoft.Data.Sqlite;

namespace CryptoSphere.Tests.Storage;

/// <summary>The store's per-message statements run through SQLite's own API: values go in and come out unchanged, and errors are still SqliteExceptions.</summary>
public sealed class RawStatementTests : IDisposable
{
    private readonly SqliteConnection _db = new("Data Source=:memory:");

    public RawStatementTests()
    {
        _db.Open();
        using var create = _db.CreateCommand();
        create.CommandText = "CREATE TABLE t(id TEXT NOT NULL UNIQUE, text TEXT, n INTEGER)";
        create.ExecuteNonQuery();
    }

    public void Dispose() => _db.Dispose();

    [Fact]
    public void Values_round_trip_and_the_statement_is_reused()
    {
        using var insert = new RawStatement(_db, "INSERT INTO t(id, text, n) VALUES (?1, ?2, ?3)");
        using var select = new RawStatement(_db, "SELECT id, text, n FROM t ORDER BY rowid");
        var ids = new[] { Guid.NewGuid(), Guid.NewGuid() };

        Assert.Equal(1, insert.Bind(1, ids[0]).Bind(2, "héllo ✓ \"quoted\"").Bind(3, 42L).Execute());
        Assert.Equal(1, insert.Bind(1, ids[1]).Bind(2, (string?)null).Bind(3, (long?)null).Execute());

        var rows = new List<(Guid, string?, long?)>();
        while (select.Read())
            rows.Add((select.Id(0), select.IsNull(1) ? null : select.Text(1), select.IsNull(2) ? null : select.Int64(2)));
        Assert.Equal([(ids[0], "héllo ✓ \"quoted\"", 42L), (ids[1], null, null)], rows);
        // The IDs are kept as the text the rest of the store reads and writes.
        using var check = _db.CreateCommand();
        check.CommandText = "SELECT id FROM t ORDER BY rowid LIMIT 1";
        Assert.Equal(ids[0].ToString(), check.ExecuteScalar());
    }

    [Fact]
    public void A_failing_statement_throws_a_SqliteException_and_can_run_again()
    {
        using var insert = new RawStatement(_db, "INSERT INTO t(id, text, n) VALUES (?1, ?2, ?3)");
        var id = Guid.NewGuid();
        insert.Bind(1, id).Bind(2, "first").Bind(3, 1L).Execute();

        var duplicate = Assert.Throws<SqliteException>(() => insert.Bind(1, id).Bind(2, "again").Bind(3, 2L).Execute());
        Assert.Equal(19, duplicate.SqliteErrorCode); // SQLITE_CONSTRAINT

        Assert.Equal(1, insert.Bind(1, Guid.NewGuid()).Bind(2, "after").Bind(3, 3L).Execute());
        using var count = _db.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM t";
        Assert.Equal(2L, count.ExecuteScalar());
    }

    [Fact]
    public void Bad_sql_and_a_column_that_is_not_an_ID_are_errors()
    {
        Assert.Throws<SqliteException>(() => new RawStatement(_db, "SELECT nothing FROM nowhere"));
        using var insert = new RawStatement(_db, "INSERT INTO t(id) VALUES (?1)");
        insert.Bind(1, "not a guid").Execute();
        using var select = new RawStatement(_db, "SELECT id FROM t");
        Assert.True(select.Read());
        Assert.Throws<FormatException>(() => select.Id(0));
        select.Reset();
    }
}
