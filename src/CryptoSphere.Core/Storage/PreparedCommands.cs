using Microsoft.Data.Sqlite;

namespace CryptoSphere.Core.Storage;

/// <summary>
/// The store connection's commands, kept prepared across transactions: SQLite parses and plans each statement once,
/// not once per batch. A lone message is a batch of its own, and re-preparing its half a dozen statements was about a
/// tenth of its CPU (profiled between two <c>listen</c> processes). Used only under the store's lock.
/// </summary>
internal sealed class PreparedCommands(SqliteConnection db) : IDisposable
{
    // The store runs a fixed set of statements; should that ever stop being true, the rest are prepared per use.
    private const int MaxCommands = 256;

    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RawStatement> _raw = new(StringComparer.Ordinal);

    /// <summary>
    /// The kept command for <paramref name="sql"/>, inside <paramref name="transaction"/> (null: none); its parameters keep
    /// their last values. Null when no more commands are kept: the caller prepares (and disposes) its own.
    /// </summary>
    public SqliteCommand? Get(string sql, SqliteTransaction? transaction)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            if (_commands.Count >= MaxCommands)
                return null;
            _commands[sql] = command = ChatStore.Command(db, sql, null);
        }
        command.Transaction = transaction;
        return command;
    }

    /// <summary>The kept command for <paramref name="sql"/> outside any transaction, with these parameter values.</summary>
    public SqliteCommand? Get(string sql, params (string Name, object? Value)[] values)
    {
        return Get(sql, (SqliteTransaction?)null) is { } command ? Bind(command, values) : null;
    }

    /// <summary>Gives a kept command these values: a parameter is created on first use, then only rebound.</summary>
    public static SqliteCommand Bind(SqliteCommand command, (string Name, object? Value)[] values)
    {
        foreach (var (name, value) in values)
        {
            var index = command.Parameters.IndexOf(name);
            if (index < 0)
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            else
                command.Parameters[index].Value = value ?? DBNull.Value;
        }
        return command;
    }

    /// <summary>The kept <see cref="RawStatement"/> for <paramref name="sql"/> (the per-message statements); null when no more are kept.</summary>
    public RawStatement? Raw(string sql)
    {
        if (!_raw.TryGetValue(sql, out var statement))
        {
            if (_raw.Count >= MaxCommands)
                return null;
            _raw[sql] = statement = new RawStatement(db, sql);
        }
        return statement;
    }

    public void Dispose()
    {
        foreach (var statement in _raw.Values)
            statement.Dispose();
        _raw.Clear();
        foreach (var command in _commands.Values)
            command.Dispose();
        _commands.Clear();
    }
}
