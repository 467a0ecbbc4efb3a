using Microsoft.Data.Sqlite;

namespace CryptoSphere.Core.Storage;

/// <summary>
/// One open transaction and what the writes in it share: each statement is prepared once (kept by the store's
/// <see cref="PreparedCommands"/> across batches), each conversation is touched once with its latest message, and the
/// full-text index is brought up to date by one statement at the end.
/// </summary>
internal sealed class WriteBatch : IDisposable
{
    private readonly PreparedCommands? _prepared;
    private readonly FullTextIndex _fullText;
    // Commands of this batch alone: none while the store keeps them all.
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RawStatement> _raw = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StoredMessage> _touched = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _waiting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> _trusted = new(StringComparer.Ordinal);
    private readonly Action? _outboxGrew;
    private bool _inserting;
    private bool _searching;
    private bool _grew;

    /// <param name="outboxGrew">Called after a commit that added outbox rows.</param>
    public WriteBatch(SqliteConnection db, PreparedCommands? prepared, FullTextIndex fullText, Action? outboxGrew = null)
    {
        Db = db;
        _prepared = prepared;
        _fullText = fullText;
        _outboxGrew = outboxGrew;
        Transaction = db.BeginTransaction();
    }

    /// <summary>
    /// Call before inserting messages: the search index is brought up to date at commit when enough rows wait
    /// (<see cref="FullTextIndex"/>). A batch without messages (acknowledgements, outbox changes) costs no index statement.
    /// </summary>
    public void InsertingMessages() => _inserting = true;

    /// <summary>A search is about to read the index: everything stored goes into it in this batch.</summary>
    public void IndexEverything() => _searching = true;

    public SqliteConnection Db { get; }

    public SqliteTransaction Transaction { get; }

    /// <summary>The batch's prepared command for <paramref name="sql"/>; its parameters keep their last values.</summary>
    public SqliteCommand Command(string sql)
    {
        if (_prepared?.Get(sql, Transaction) is { } kept)
            return kept;
        if (!_commands.TryGetValue(sql, out var command))
            _commands[sql] = command = ChatStore.Command(Db, sql, Transaction);
        return command;
    }

    /// <summary>The batch's <see cref="RawStatement"/> for <paramref name="sql"/> (positional parameters), for the per-message statements.</summary>
    public RawStatement Raw(string sql)
    {
        if (_prepared?.Raw(sql) is { } kept)
            return kept;
        if (!_raw.TryGetValue(sql, out var statement))
            _raw[sql] = statement = new RawStatement(Db, sql);
        return statement;
    }

    /// <summary>Runs <paramref name="sql"/> with these values (parameters are created on first use, then only rebound).</summary>
    public int Execute(string sql, params (string Name, object? Value)[] values) => Bound(sql, values).ExecuteNonQuery();

    public object? Scalar(string sql, params (string Name, object? Value)[] values) => Bound(sql, values).ExecuteScalar();

    private SqliteCommand Bound(string sql, (string Name, object? Value)[] values) => PreparedCommands.Bind(Command(sql), values);

    /// <summary>The conversation of a message just stored moves to the top; written once per batch, at commit.</summary>
    public void Touch(StoredMessage message) => _touched[message.Conversation] = message;

    /// <summary>Rows waiting in the outbox for <paramref name="target"/>: counted once per batch, then kept up to date by the batch's appends.</summary>
    public int Waiting(string target)
    {
        if (!_waiting.TryGetValue(target, out var count))
        {
            count = Convert.ToInt32(Scalar("SELECT COUNT(*) FROM outbox WHERE target = $target", ("$target", target)));
            _waiting[target] = count;
        }
        return count;
    }

    /// <summary>
    /// Whether <paramref name="peer"/> is a trusted contact: read once per batch (the quota asks for every message
    /// received), exact because trust changes take the store's lock, which the batch holds.
    /// </summary>
    public bool IsTrusted(string peer)
    {
        if (!_trusted.TryGetValue(peer, out var trusted))
        {
            trusted = Convert.ToInt64(Scalar("SELECT COALESCE((SELECT state FROM contacts WHERE peer_id = $peer), 0)", ("$peer", peer)))
                      == (long)Trust.TrustState.Trusted;
            _trusted[peer] = trusted;
        }
        return trusted;
    }

    public void Queued(string target)
    {
        _grew = true;
        if (_waiting.TryGetValue(target, out var count))
            _waiting[target] = count + 1;
    }

    /// <summary>Outbox rows were removed: counts are read again when next needed.</summary>
    public void OutboxShrank() => _waiting.Clear();

    public void Commit()
    {
        if (_touched.Count > 0)
        {
            var touch = Command(ChatStore.TouchConversationSql);
            foreach (var message in _touched.Values)
            {
                ChatStore.Bind(touch, message);
                touch.ExecuteNonQuery();
            }
        }
        // Full-text indexing of the rows waiting, in one statement: much cheaper than a trigger per row, and a lone
        // message leaves it to a later batch (FullTextIndex).
        var indexed = _inserting || _searching ? _fullText.IndexPending(this, all: _searching) : null;
        try
        {
            Transaction.Commit();
        }
        catch
        {
            _fullText.Forget();
            throw;
        }
        if (indexed is { } mark)
            _fullText.Committed(mark);
        if (_grew)
            _outboxGrew?.Invoke();
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values)
            command.Dispose();
        foreach (var statement in _raw.Values)
            statement.Dispose();
        Transaction.Dispose();
    }
}
