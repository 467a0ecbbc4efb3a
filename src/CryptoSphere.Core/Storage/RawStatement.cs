using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace CryptoSphere.Core.Storage;

/// <summary>
/// One prepared statement run through SQLite's own API (SQLitePCLRaw, the binding Microsoft.Data.Sqlite itself sits
/// on), for the few statements every message runs. Through <see cref="SqliteCommand"/> each execution allocated a
/// data reader, a statement enumerator, a boxed behaviour and one binder object per parameter, and each string was
/// copied to a new UTF-8 array: about 5 KB of garbage per message between two nodes, measured with the runtime's
/// allocation events. Here parameters are positional (<c>?1</c>, <c>?2</c>...), strings are bound as UTF-16 spans
/// (SQLite converts them without a managed copy), and a statement is reset after each use. Errors still surface as
/// <see cref="SqliteException"/>. Used only under the store's lock, on the connection that prepared it.
/// </summary>
internal sealed class RawStatement : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly sqlite3_stmt _statement;

    public RawStatement(SqliteConnection db, string sql)
    {
        _db = db;
        var rc = raw.sqlite3_prepare_v2(db.Handle, sql, out _statement);
        SqliteException.ThrowExceptionForRC(rc, db.Handle);
    }

    public RawStatement Bind(int index, long value) => Check(raw.sqlite3_bind_int64(_statement, index, value));

    public RawStatement Bind(int index, string? value) =>
        Check(value is null ? raw.sqlite3_bind_null(_statement, index) : raw.sqlite3_bind_text16(_statement, index, value.AsSpan()));

    /// <summary>A message ID, as the text the store keeps (formatted on the stack, not as a new string).</summary>
    public RawStatement Bind(int index, Guid value)
    {
        Span<char> text = stackalloc char[36];
        value.TryFormat(text, out _);
        return Check(raw.sqlite3_bind_text16(_statement, index, text));
    }

    public RawStatement Bind(int index, long? value) =>
        value is { } v ? Bind(index, v) : Check(raw.sqlite3_bind_null(_statement, index));

    /// <summary>Runs a statement that returns no rows; the number of rows it changed.</summary>
    public int Execute()
    {
        try
        {
            var rc = raw.sqlite3_step(_statement);
            if (rc != raw.SQLITE_DONE && rc != raw.SQLITE_ROW)
                SqliteException.ThrowExceptionForRC(rc, _db.Handle);
            return raw.sqlite3_changes(_db.Handle);
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    /// <summary>The next row of a query; false (and the statement reset) after the last.</summary>
    public bool Read()
    {
        var rc = raw.sqlite3_step(_statement);
        if (rc == raw.SQLITE_ROW)
            return true;
        raw.sqlite3_reset(_statement);
        if (rc != raw.SQLITE_DONE)
            SqliteException.ThrowExceptionForRC(rc, _db.Handle);
        return false;
    }

    /// <summary>Ends a query early (or after an error while reading its rows).</summary>
    public void Reset() => raw.sqlite3_reset(_statement);

    public long Int64(int column) => raw.sqlite3_column_int64(_statement, column);

    public bool IsNull(int column) => raw.sqlite3_column_type(_statement, column) == raw.SQLITE_NULL;

    /// <summary>A message ID kept as text, parsed from SQLite's own UTF-8 bytes (no string in between).</summary>
    public Guid Id(int column) =>
        System.Buffers.Text.Utf8Parser.TryParse(raw.sqlite3_column_blob(_statement, column), out Guid id, out var used) && used == 36
            ? id
            : throw new FormatException($"column {column} is not a message ID");

    public string Text(int column) => raw.sqlite3_column_text(_statement, column).utf8_to_string();

    public void Dispose() => _statement.Dispose();

    private RawStatement Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
            SqliteException.ThrowExceptionForRC(rc, _db.Handle);
        return this;
    }
}
