namespace CryptoSphere.Core.Storage;

/// <summary>
/// The search index (<c>messages_fts</c>) kept behind the messages by at most <see cref="Lag"/> rows, so that a message
/// stored on its own does not pay for it in its commit: FTS5 writes a new segment per transaction, and for a lone
/// message that was about a sixth of its round trip (JIT build, one at a time, p50 1.27-1.29 ms with it, 1.06-1.13
/// without). Rows up to <c>fts_state.indexed_upto</c> are indexed; the rest are indexed together by the first commit
/// that finds <see cref="Lag"/> of them waiting (a burst's own batch), and always before a search reads the index,
/// so a search never misses a stored message. A deleted row leaves the index only if it was in it (the schema's
/// trigger). Used only under the store's lock.
/// </summary>
internal sealed class FullTextIndex
{
    /// <summary>Rows that may wait: a burst indexes itself in its own batch, lone messages a few dozen at a time.</summary>
    public const int Lag = 32;

    private long _indexedUpto = -1;

    /// <summary>Indexes what waits when <see cref="Lag"/> rows do (or any, when <paramref name="all"/>); returns the new mark, or null when it did nothing.</summary>
    public long? IndexPending(WriteBatch batch, bool all)
    {
        var upto = IndexedUpto(batch);
        var last = Scalar(batch.Raw("SELECT COALESCE(MAX(seq), 0) FROM messages"));
        if (last <= upto || !all && last - upto < Lag)
            return null;
        batch.Raw("INSERT INTO messages_fts(rowid, text) SELECT seq, text FROM messages WHERE seq > ?1 AND seq <= ?2").Bind(1, upto).Bind(2, last).Execute();
        batch.Raw("UPDATE fts_state SET indexed_upto = ?1").Bind(1, last).Execute();
        return last;
    }

    /// <summary>The batch that indexed up to <paramref name="mark"/> committed.</summary>
    public void Committed(long mark) => _indexedUpto = mark;

    /// <summary>A batch that failed: the mark is read again from the database.</summary>
    public void Forget() => _indexedUpto = -1;

    private long IndexedUpto(WriteBatch batch)
    {
        if (_indexedUpto < 0)
            _indexedUpto = Scalar(batch.Raw("SELECT indexed_upto FROM fts_state"));
        return _indexedUpto;
    }

    private static long Scalar(RawStatement query)
    {
        try
        {
            return query.Read() ? query.Int64(0) : 0;
        }
        finally
        {
            query.Reset();
        }
    }
}
