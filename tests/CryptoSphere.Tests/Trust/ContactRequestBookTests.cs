using System.Text;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Core.Trust;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Trust;

/// <summary>
/// Contact requests held for a decision: the per-peer message and byte limits and the peer limit count what
/// is admitted but not yet stored; settling, releasing and dropping keep those counts right.
/// </summary>
public sealed class ContactRequestBookTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly ChatStore _store = ChatStore.OpenInMemory();

    public void Dispose() => _store.Dispose();

    private static PeerId Id(string seed) => PeerId.FromPublicKeyInfo(Encoding.UTF8.GetBytes(seed));

    private ContactRequestBook Book(int messages = 10, long bytes = 1000, int peers = 10) => new(_store, messages, bytes, peers);

    private async Task HoldAsync(PeerId peer, string text, string address = "10.0.0.1:4000", string name = "stranger", int second = 0)
    {
        var message = new StoredMessage(Guid.CreateVersion7(), "peer:" + peer.Value, false, peer.Value, address, name, text,
            PeerProtocol.Secure, T0.AddSeconds(second), T0.AddSeconds(second), MessageState.Held);
        Assert.True(await _store.AppendReceivedAsync(message).WaitAsync(EventWaiter.DefaultTimeout));
    }

    [Fact]
    public void Admitted_messages_count_against_the_message_limit_before_they_are_stored()
    {
        var book = Book(messages: 3);
        var peer = Id("a");

        Assert.Null(book.Admit(peer, "1"));
        Assert.Null(book.Admit(peer, "2"));
        Assert.Null(book.Admit(peer, "3"));
        var refusal = book.Admit(peer, "4");

        Assert.Equal($"contact request full: 3 messages from {peer.Short} already wait for a decision (at most 3)", refusal);
        Assert.Null(book.Admit(Id("b"), "another peer has its own allowance"));
    }

    [Fact]
    public async Task Stored_messages_count_against_the_message_limit()
    {
        var book = Book(messages: 2);
        var peer = Id("a");
        await HoldAsync(peer, "held 1");
        await HoldAsync(peer, "held 2");

        Assert.Equal(2, book.CountFrom(peer));
        Assert.Contains("2 messages", book.Admit(peer, "3"));
    }

    [Fact]
    public async Task The_byte_limit_allows_exactly_the_limit_in_utf8_counting_stored_and_admitted_text()
    {
        var book = Book(bytes: 10);
        var peer = Id("a");
        await HoldAsync(peer, "ééé"); // 6 bytes in UTF-8

        Assert.Null(book.Admit(peer, "abc"));
        Assert.Null(book.Admit(peer, "d"));
        var refusal = book.Admit(peer, "é");

        Assert.Equal($"contact request full: 12 bytes from {peer.Short} would wait for a decision (at most 10)", refusal);
        Assert.Null(book.Admit(peer, ""));
    }

    [Fact]
    public async Task A_new_peer_is_refused_once_the_peer_limit_is_reached_but_a_waiting_peer_may_add_more()
    {
        var book = Book(peers: 2);
        await HoldAsync(Id("stored"), "held");
        Assert.Null(book.Admit(Id("admitted"), "pending"));

        Assert.Equal("2 contact requests wait for a decision already", book.Admit(Id("new"), "hello"));
        Assert.Null(book.Admit(Id("stored"), "more"));
        Assert.Null(book.Admit(Id("admitted"), "more"));
    }

    [Fact]
    public void Settling_a_refused_message_gives_its_allowance_back()
    {
        var book = Book(messages: 2, bytes: 10);
        var peer = Id("a");
        Assert.Null(book.Admit(peer, "aaaaa"));
        Assert.Null(book.Admit(peer, "bbbbb"));
        Assert.NotNull(book.Admit(peer, "c"));

        Assert.False(book.Settle(peer, "aaaaa", stored: false));

        Assert.Null(book.Admit(peer, "ccccc"));
        Assert.Contains("2 messages", book.Admit(peer, "d"));
        Assert.False(book.Settle(peer, "bbbbb", stored: false));
        Assert.False(book.Settle(peer, "ccccc", stored: false));
        Assert.Null(book.Admit(peer, "0123456789"));
    }

    [Fact]
    public void Settling_a_peers_last_admitted_message_frees_its_peer_slot()
    {
        var book = Book(peers: 1);
        Assert.Null(book.Admit(Id("a"), "refused later"));
        Assert.NotNull(book.Admit(Id("b"), "no slot yet"));

        book.Settle(Id("a"), "refused later", stored: false);

        Assert.Null(book.Admit(Id("b"), "now there is one"));
    }

    [Fact]
    public void Settling_one_of_several_admitted_messages_gives_back_only_its_bytes()
    {
        var book = Book(bytes: 10);
        var peer = Id("a");
        Assert.Null(book.Admit(peer, "aaaa"));
        Assert.Null(book.Admit(peer, "bbbbbb"));

        book.Settle(peer, "aaaa", stored: false);

        Assert.Null(book.Admit(peer, "cccc"));
        Assert.Contains("11 bytes", book.Admit(peer, "d"));
    }

    [Fact]
    public async Task Only_the_first_stored_message_of_a_request_is_announced_until_it_is_decided()
    {
        var book = Book();
        var peer = Id("a");

        Assert.False(book.Settle(peer, "refused", stored: false));
        Assert.True(book.Settle(peer, "first", stored: true));
        Assert.False(book.Settle(peer, "second", stored: true));
        Assert.True(book.Settle(Id("b"), "another peer", stored: true));

        await HoldAsync(peer, "first");
        Assert.Single(book.Release(peer));
        Assert.True(book.Settle(peer, "after the release", stored: true));

        Assert.False(book.Drop(peer));
        Assert.True(book.Settle(peer, "after the drop", stored: true));
    }

    [Fact]
    public async Task Release_returns_the_held_messages_oldest_first_and_stops_holding_them()
    {
        var book = Book();
        var peer = Id("a");
        await HoldAsync(peer, "one", second: 1);
        await HoldAsync(peer, "two", second: 2);
        await HoldAsync(Id("b"), "someone else");

        var released = book.Release(peer);

        Assert.Equal(["one", "two"], released.Select(m => m.Text));
        Assert.Equal(0, book.CountFrom(peer));
        Assert.Equal(2, _store.History(null, 10).Count(m => m.PeerId == peer.Value && m.State == MessageState.Received));
        Assert.Equal(1, book.CountFrom(Id("b")));
    }

    [Fact]
    public async Task Drop_deletes_the_held_messages_and_says_whether_there_were_any()
    {
        var book = Book();
        var peer = Id("a");
        await HoldAsync(peer, "one");
        await HoldAsync(Id("b"), "kept");

        Assert.True(book.Drop(peer));
        Assert.False(book.Drop(peer));

        Assert.Equal(0, book.CountFrom(peer));
        Assert.Equal(1, book.CountFrom(Id("b")));
    }

    [Fact]
    public async Task List_groups_held_messages_per_peer_with_the_latest_name_and_address()
    {
        var book = Book();
        var a = Id("a");
        var b = Id("b");
        await HoldAsync(a, "a1", "10.0.0.1:4000", "old name", second: 1);
        await HoldAsync(b, "b1", "[::1]:5000", "bee", second: 2);
        await HoldAsync(a, "a2", "10.0.0.9:4001", "new name", second: 3);

        var list = book.List().OrderBy(h => h.Name).ToList();

        Assert.Equal(2, list.Count);
        Assert.Equal(b, list[0].Id);
        Assert.Equal(new PeerKey("::1", 5000), list[0].From);
        Assert.Equal(["b1"], list[0].Messages.Select(m => m.Text));
        Assert.Equal(a, list[1].Id);
        Assert.Equal("new name", list[1].Name);
        Assert.Equal(new PeerKey("10.0.0.9", 4001), list[1].From);
        Assert.Equal(["a1", "a2"], list[1].Messages.Select(m => m.Text));
        Assert.Equal(T0.AddSeconds(1), list[1].Messages[0].SentAt);
    }

    [Theory]
    [InlineData("10.0.0.1:80", "10.0.0.1", 80)]
    [InlineData("[fe80::1]:4000", "fe80::1", 4000)]
    [InlineData("host", "host", 0)]
    [InlineData("host:port", "host:port", 0)]
    [InlineData(":4000", ":4000", 0)]
    public void AddressOf_reads_the_address_as_stored_without_the_rules_for_typed_ports(string stored, string host, int port)
    {
        Assert.Equal(new PeerKey(host, port), ContactRequestBook.AddressOf(stored));
    }
}
