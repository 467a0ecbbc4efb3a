using System.Text.Json;
using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Trust;

/// <summary>
/// Peer IDs and what the user decided about them, kept in <c>trust.json</c> in the data directory
/// (or in memory only). Thread-safe; every change is written at once, atomically.
/// </summary>
public sealed class TrustStore
{
    public const string FileName = "trust.json";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    private readonly string? _path;
    private readonly object _gate = new();
    private readonly Dictionary<string, Contact> _contacts = new(StringComparer.Ordinal);
    private DateTime _loadedStamp;

    private TrustStore(string? path) => _path = path;

    public static TrustStore InMemory() => new(null);

    /// <summary>Opens the store in <paramref name="dataDirectory"/>; a damaged file is an error, never overwritten.</summary>
    public static TrustStore Open(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var store = new TrustStore(Path.Combine(dataDirectory, FileName));
        lock (store._gate)
            store.ReloadIfChanged();
        return store;
    }

    public IReadOnlyList<Contact> All()
    {
        lock (_gate)
        {
            ReloadIfChanged();
            return _contacts.Values.OrderBy(c => c.FirstSeen).ToList();
        }
    }

    public Contact? Find(PeerId id)
    {
        lock (_gate)
        {
            ReloadIfChanged();
            return _contacts.GetValueOrDefault(id.Value);
        }
    }

    public TrustState StateOf(PeerId id) => Find(id)?.State ?? TrustState.Unknown;

    /// <summary>Records a contact; returns true the first time this ID is ever seen.</summary>
    public bool RecordContact(PeerId id, string name, string? address, DateTimeOffset now)
    {
        lock (_gate)
        {
            ReloadIfChanged();
            var first = !_contacts.TryGetValue(id.Value, out var existing);
            _contacts[id.Value] = first
                ? new Contact(id, TrustState.Unknown, name, now, now, address)
                : existing! with { Name = name, LastSeen = now, LastAddress = address ?? existing.LastAddress };
            Save();
            return first;
        }
    }

    public void SetState(PeerId id, TrustState state, DateTimeOffset now)
    {
        lock (_gate)
        {
            ReloadIfChanged();
            _contacts[id.Value] = _contacts.TryGetValue(id.Value, out var existing)
                ? existing with { State = state }
                : new Contact(id, state, "", now, now, null);
            Save();
        }
    }

    /// <summary>Finds the one contact whose ID starts with <paramref name="prefix"/> (dashes and case ignored).</summary>
    public IReadOnlyList<Contact> MatchPrefix(string prefix)
    {
        var wanted = PeerId.Normalize(prefix);
        return wanted.Length == 0 ? [] : All().Where(c => c.Id.Value.StartsWith(wanted, StringComparison.Ordinal)).ToList();
    }

    // Another process (the `trust` subcommand) may change the file while a node runs.
    private void ReloadIfChanged()
    {
        if (_path is null || !File.Exists(_path))
            return;
        var stamp = File.GetLastWriteTimeUtc(_path);
        if (stamp == _loadedStamp)
            return;
        List<StoredContact>? stored;
        try
        {
            stored = JsonSerializer.Deserialize<List<StoredContact>>(File.ReadAllText(_path), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"the trust store {_path} is damaged ({e.Message}); it was left untouched", e);
        }
        _contacts.Clear();
        foreach (var s in stored ?? [])
        {
            if (PeerId.TryParse(s.Id, out var id))
                _contacts[id.Value] = new Contact(id, s.State, s.Name ?? "", s.FirstSeen, s.LastSeen, s.LastAddress);
        }
        _loadedStamp = stamp;
    }

    private void Save()
    {
        if (_path is null)
            return;
        var stored = _contacts.Values.Select(c => new StoredContact(c.Id.ToString(), c.State, c.Name, c.FirstSeen, c.LastSeen, c.LastAddress));
        var temp = _path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(stored, Json));
        File.Move(temp, _path, overwrite: true);
        _loadedStamp = File.GetLastWriteTimeUtc(_path);
    }

    private sealed record StoredContact(string Id, TrustState State, string? Name, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, string? LastAddress);
}
