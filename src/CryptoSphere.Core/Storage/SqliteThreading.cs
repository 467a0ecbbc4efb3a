using SQLitePCL;

namespace CryptoSphere.Core.Storage;

/// <summary>
/// SQLite's process-wide settings, applied once before the first connection opens. Every connection this program
/// opens is used by one thread at a time (each store's own lock, the checkpointer's own gate), so SQLite's
/// per-connection mutexes ("serialized" mode, its default) only repeat that lock: a lock and an unlock on every
/// bind, step and column read, about 6 % of a sending node's CPU in a burst (perf, issue 14). Memory statistics,
/// which no one here reads, take a global mutex on every allocation. Both go.
/// </summary>
internal static class SqliteThreading
{
    private static readonly int Result = Configure();

    /// <summary>
    /// SQLITE_OK when the settings took effect. Anything else (SQLite was already initialized, say by a test that
    /// opened a connection of its own first) leaves SQLite in its default, safe mode.
    /// </summary>
    public static int Apply() => Result;

    private static int Configure()
    {
        Batteries_V2.Init();
        var threading = raw.sqlite3_config(raw.SQLITE_CONFIG_MULTITHREAD);
        var statistics = raw.sqlite3_config(raw.SQLITE_CONFIG_MEMSTATUS, 0);
        return threading != raw.SQLITE_OK ? threading : statistics;
    }
}
