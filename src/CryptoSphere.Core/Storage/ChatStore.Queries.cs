using System.Text;
using CryptoSphere.Core.Conversations;

namespace CryptoSphere.Core.Storage;

// Reading history back: conversations, pages of messages, full-text search, export.
public sealed partial class ChatStore
{
    public sealed record ConversationSummary(string Id, string Title, DateTimeOffset LastActivity, long Messages);

    /// <summary>Every conversation, newest first; a group's is titled with the group's name (#name), not a member's.</summary>
    public IReadOnlyList<ConversationSummary> Conversations() => Locked(db =>
    {
        using var command = Command(db, """
            SELECT c.id, COALESCE((SELECT '#' || g.name FROM groups g WHERE c.id = 'group:' || g.id), c.title), c.last_activity,
                   (SELECT COUNT(*) FROM messages m WHERE m.conversation = c.id)
            FROM conversations c ORDER BY c.last_activity DESC
            """, null);
        using var reader = command.ExecuteReader();
        var rows = new List<ConversationSummary>();
        while (reader.Read())
            rows.Add(new(reader.GetString(0), TitleOr(reader.GetString(0), reader.GetString(1)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), reader.GetInt64(3)));
        return rows;
    });

    // A conversation's title is the name its last message carried; one holding only our own messages to an old peer
    // (which never wrote back) has none, and was listed with an empty title. The address (or short ID) names it then.
    private static string TitleOr(string id, string title) =>
        title.Length > 0 || !ConversationId.TryParse(id, out var conversation) ? title
        : conversation.PeerId is { } peer ? peer.Short
        : conversation.Kind == ConversationKind.Legacy ? conversation.Value
        : title;

    /// <summary>Whether a conversation with this ID is stored (one row read, not the whole list with its counts).</summary>
    public bool HasConversation(string id) => Locked(db =>
        Scalar(db, "SELECT 1 FROM conversations WHERE id = $id", ("$id", id)) is not null);

    /// <summary>
    /// The last <paramref name="limit"/> messages of a conversation (all conversations when null) before
    /// sequence <paramref name="before"/>, oldest first: page back by passing the first one's sequence.
    /// </summary>
    public IReadOnlyList<StoredMessage> History(string? conversation, int limit, long? before = null) => Locked(db =>
    {
        using var command = Command(db, $"""
            SELECT * FROM (
                SELECT {Columns} FROM messages m
                WHERE ($conversation IS NULL OR m.conversation = $conversation) AND ($before IS NULL OR m.seq < $before)
                ORDER BY m.seq DESC LIMIT $limit)
            ORDER BY CASE WHEN $conversation LIKE 'group:%' THEN lamport END,
                     CASE WHEN $conversation LIKE 'group:%' THEN peer_id END, seq
            """, null, ("$conversation", conversation), ("$before", before), ("$limit", limit));
        return ReadAll(command);
    });

    /// <summary>Messages containing every word of <paramref name="text"/> (whole words, any case), newest first.</summary>
    public IReadOnlyList<StoredMessage> Search(string text, int limit) => Locked(db =>
    {
        var query = ToFtsQuery(text);
        if (query.Length == 0)
            return (IReadOnlyList<StoredMessage>)[];
        // The index may lag the last few messages stored (FullTextIndex): they go in first.
        using (var batch = Begin(db))
        {
            batch.IndexEverything();
            batch.Commit();
        }
        // FTS5 walks its index in descending rowid order itself, so LIMIT stops early even for common words.
        using var command = Command(db, $"""
            SELECT {Columns} FROM (SELECT rowid FROM messages_fts WHERE messages_fts MATCH $query ORDER BY rowid DESC LIMIT $limit) f
            JOIN messages m ON m.seq = f.rowid ORDER BY m.seq DESC
            """, null, ("$query", query), ("$limit", limit));
        return ReadAll(command);
    });

    /// <summary>Every message (of one conversation, when given), oldest first, page by page (export of any size).</summary>
    public IEnumerable<StoredMessage> All(string? conversation = null, int pageSize = 1000)
    {
        long after = 0;
        while (true)
        {
            var page = Locked(db =>
            {
                using var command = Command(db, $"""
                    SELECT {Columns} FROM messages m WHERE m.seq > $after AND ($conversation IS NULL OR m.conversation = $conversation)
                    ORDER BY m.seq LIMIT $limit
                    """, null, ("$after", after), ("$conversation", conversation), ("$limit", pageSize));
                return ReadAll(command);
            });
            foreach (var message in page)
                yield return message;
            if (page.Count < pageSize)
                yield break;
            after = page[^1].Sequence;
        }
    }

    // Each token becomes a quoted FTS5 string, so user text is never parsed as query syntax.
    private static string ToFtsQuery(string text)
    {
        // The index keeps no positions (detail=none, for insert speed), so search by single tokens.
        var words = text.Split(text.Where(c => !char.IsLetterOrDigit(c)).Distinct().ToArray(), StringSplitOptions.RemoveEmptyEntries);
        var query = new StringBuilder();
        foreach (var word in words)
        {
            if (query.Length > 0) query.Append(' ');
            query.Append('"').Append(word.Replace("\"", "\"\"")).Append('"');
        }
        return query.ToString();
    }

    private static IReadOnlyList<StoredMessage> ReadAll(Microsoft.Data.Sqlite.SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var rows = new List<StoredMessage>();
        while (reader.Read())
            rows.Add(Read(reader));
        return rows;
    }
}
