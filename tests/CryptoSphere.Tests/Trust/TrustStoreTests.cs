using CryptoSphere.Core.Storage;
using System.Text;
using System.Text.Json;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Trust;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Trust;

/// <summary>trust.json: what the user decided about peer IDs, shared with the `trust` subcommand.</summary>
public class TrustStoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static PeerId Id(string seed) => PeerId.FromPublicKeyInfo(Encoding.UTF8.GetBytes(seed));

    /// <summary>An ID that starts with <paramref name="prefix"/> (found by trying seeds).</summary>
    private static PeerId IdStartingWith(string prefix)
    {
        for (var i = 0; ; i++)
        {
            var id = Id("seed" + i);
            if (id.Value.StartsWith(prefix, StringComparison.Ordinal))
                return id;
        }
    }

    [Fact]
    public void RecordContact_IsFirstContactOnlyTheFirstTime()
    {
        var store = TrustStore.InMemory();
        var id = Id("alice");

        Assert.True(store.RecordContact(id, "alice", "127.0.0.1:5000", T0));
        Assert.False(store.RecordContact(id, "alice", "127.0.0.1:5000", T0.AddMinutes(1)));
        Assert.True(store.RecordContact(Id("bob"), "bob", null, T0));
    }

    [Fact]
    public void RecordContact_Again_UpdatesNameAndLastSeen_KeepsFirstSeenStateAndAKnownAddress()
    {
        var store = TrustStore.InMemory();
        var id = Id("alice");
        store.RecordContact(id, "alice", "127.0.0.1:5000", T0);
        store.SetState(id, TrustState.Trusted, T0);

        store.RecordContact(id, "alice 2", null, T0.AddHours(1));

        var contact = store.Find(id);
        Assert.Equal(new Contact(id, TrustState.Trusted, "alice 2", T0, T0.AddHours(1), "127.0.0.1:5000"), contact);
        store.RecordContact(id, "alice 2", "127.0.0.1:6000", T0.AddHours(2));
        Assert.Equal("127.0.0.1:6000", store.Find(id)?.LastAddress);
    }

    [Fact]
    public void SetState_OnAnUnknownId_CreatesTheContact_AndStateOfIsUnknownOtherwise()
    {
        var store = TrustStore.InMemory();
        var blocked = Id("mallory");

        store.SetState(blocked, TrustState.Blocked, T0);

        Assert.Equal(TrustState.Blocked, store.StateOf(blocked));
        Assert.Equal(TrustState.Unknown, store.StateOf(Id("nobody")));
        Assert.Null(store.Find(Id("nobody")));
        // A contact created by a decision is still a first contact when it finally connects.
        Assert.False(store.RecordContact(blocked, "mallory", null, T0));
        Assert.Equal(TrustState.Blocked, store.StateOf(blocked));
    }

    [Fact]
    public void SetState_ChangesOnlyTheState()
    {
        var store = TrustStore.InMemory();
        var id = Id("alice");
        store.RecordContact(id, "alice", "127.0.0.1:5000", T0);

        store.SetState(id, TrustState.Blocked, T0.AddDays(1));
        store.SetState(id, TrustState.Trusted, T0.AddDays(2));

        Assert.Equal(new Contact(id, TrustState.Trusted, "alice", T0, T0, "127.0.0.1:5000"), store.Find(id));
    }

    [Fact]
    public void All_IsInFirstSeenOrder()
    {
        var store = TrustStore.InMemory();
        store.RecordContact(Id("c"), "c", null, T0.AddMinutes(3));
        store.RecordContact(Id("a"), "a", null, T0.AddMinutes(1));
        store.RecordContact(Id("b"), "b", null, T0.AddMinutes(2));

        Assert.Equal(["a", "b", "c"], store.All().Select(c => c.Name));
    }

    [Fact]
    public void Contacts_SurviveAReopen()
    {
        using var temp = new TempDirectory();
        var alice = Id("alice");
        var mallory = Id("mallory");
        var store = Open(temp.Path);
        store.RecordContact(alice, "alice ✓", "127.0.0.1:5000", T0);
        store.SetState(alice, TrustState.Trusted, T0);
        store.RecordContact(mallory, "mallory", "[::1]:6000", T0.AddSeconds(1));
        store.SetState(mallory, TrustState.Blocked, T0);

        var reopened = Open(temp.Path);

        Assert.Equal(store.All(), reopened.All());
        Assert.Equal(new Contact(alice, TrustState.Trusted, "alice ✓", T0, T0, "127.0.0.1:5000"), reopened.Find(alice));
        Assert.Equal(TrustState.Blocked, reopened.StateOf(mallory));
        Assert.Equal("[::1]:6000", reopened.Find(mallory)?.LastAddress);
    }

    [Fact]
    public void MatchPrefix_IgnoresDashesAndCase()
    {
        var store = TrustStore.InMemory();
        var id = Id("alice");
        store.RecordContact(id, "alice", null, T0);
        store.RecordContact(Id("bob"), "bob", null, T0);
        var grouped = id.ToString()[..10].ToLowerInvariant(); // "xxxxxxx-yy"

        var matches = store.MatchPrefix(grouped);

        Assert.Equal(id, Assert.Single(matches).Id);
        Assert.Equal(id, Assert.Single(store.MatchPrefix(id.ToString())).Id);
        Assert.Equal(id, Assert.Single(store.MatchPrefix(id.Short)).Id);
    }

    [Fact]
    public void MatchPrefix_ReturnsEveryMatch_AndNothingForAnEmptyPrefix()
    {
        var store = TrustStore.InMemory();
        var one = IdStartingWith("A");
        var two = Enumerable.Range(0, 10_000).Select(i => Id("other" + i)).First(i => i.Value.StartsWith('A') && i != one);
        store.RecordContact(one, "one", null, T0);
        store.RecordContact(two, "two", null, T0.AddSeconds(1));
        store.RecordContact(IdStartingWith("B"), "b", null, T0.AddSeconds(2));

        Assert.Equal([one, two], store.MatchPrefix("a").Select(c => c.Id));
        Assert.Empty(store.MatchPrefix(""));
        Assert.Empty(store.MatchPrefix("- -"));
        Assert.Empty(store.MatchPrefix("A" + new string('9', 5)));
    }

    [Fact]
    public void AChangeByAnotherInstance_IsSeen()
    {
        using var temp = new TempDirectory();
        var node = Open(temp.Path);
        var command = Open(temp.Path);
        var id = Id("alice");
        node.RecordContact(id, "alice", "127.0.0.1:5000", T0);

        command.SetState(id, TrustState.Blocked, T0);

        Assert.Equal(TrustState.Blocked, node.StateOf(id));
        Assert.Equal("alice", command.Find(id)?.Name);
    }

    [Fact]
    public void ChangesByTwoInstances_InQuickSuccession_AreAllKept()
    {
        // Each write replaces the file; a store that misses the other's write would overwrite it.
        using var temp = new TempDirectory();
        var node = Open(temp.Path);
        var command = Open(temp.Path);
        var written = new List<PeerId>();

        for (var i = 0; i < 40; i++)
        {
            var (writer, reader) = i % 2 == 0 ? (node, command) : (command, node);
            var id = Id("peer" + i);
            writer.RecordContact(id, "peer" + i, null, T0.AddSeconds(i));
            written.Add(id);
            Assert.Equal(written, reader.All().Select(c => c.Id));
        }
        Assert.Equal(written, Open(temp.Path).All().Select(c => c.Id));
    }

    [Fact]
    public void ADamagedDatabase_ThrowsOnOpen_AndIsLeftAsItWas()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine(ChatStore.FileName);
        var damaged = "[ { \"Id\": \"ABC\", \"State\": "u8.ToArray();
        File.WriteAllBytes(path, damaged);

        var error = Assert.Throws<StorageException>(() => Open(temp.Path));

        Assert.Contains(path, error.Message);
        Assert.Equal(damaged, File.ReadAllBytes(path));
    }

    // Each instance has its own connection to the same database file, as a node and a command would.
    private static TrustStore Open(string directory) => new(ChatStore.Open(directory));
}
