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

    // A message's ID by its text: the same text is the same message (a resend).
    private readonly Dictionary<string, Guid> _ids = [];

    private Guid Msg(string text) => _ids.TryGetValue(text, out var id) ? id : _ids[text] = Guid.CreateVersion7();

    private ContactRequestBook Book(int messages = 10, long bytes = 1000, int peers = 10) => new(_store, messages, bytes, peers);

    private async Task HoldAsync(PeerId peer, string text, string address = "10.0.0.1:4000", string name = "stranger", int second = 0)
    {
        var message = new StoredMessage(Msg(text), "peer:" + peer.Value, false, peer.Value, address, name, text,
            PeerProtocol.Secure, T0.AddSeconds(second), T0.AddSeconds(second), MessageState.Held);
        Assert.True(await _store.AppendReceivedAsync(message).WaitAsync(EventWaiter.DefaultTimeout));
    }

    [Fact]
    public void Admitted_messages_count_against_the_message_limit_before_they_are_stored()
    {
        var book = Book(messages: 3);
        var peer = Id("a");

        Assert.Null(book.Admit(peer, Msg("1"), "1"));
        Assert.Null(book.Admit(peer, Msg("2"), "2"));
        Assert.Null(book.Admit(peer, Msg("3"), "3"));
        var refusal = book.Admit(peer, Msg("4"), "4");

        Assert.Equal($"contact request full: 3 messages from {peer.Short} already wait for a decision (at most 3)", refusal);
        Assert.Null(book.Admit(Id("b"), Msg("another peer has its own allowance"), "another peer has its own allowance"));
    }

    [Fact]
    public async Task Stored_messages_count_against_the_message_limit()
    {
        var book = Book(messages: 2);
        var peer = Id("a");
        await HoldAsync(peer, "held 1");
        await HoldAsync(peer, "held 2");

        Assert.Equal(2, book.CountFrom(peer));
        Assert.Contains("2 messages", book.Admit(peer, Msg("3"), "3"));
    }

    [Fact]
    public async Task A_message_stored_but_not_yet_settled_counts_once()
    {
        // The store has committed m1; the callback that settles it has not run yet (it runs after the commit).
        var book = Book(messages: 3, bytes: 100);
        var peer = Id("a");
        Assert.Null(book.Admit(peer, Msg("m1"), "m1"));
        await HoldAsync(peer, "m1");

        Assert.Null(book.Admit(peer, Msg("m2"), "m2"));
        Assert.Null(book.Admit(peer, Msg("m3"), "m3"));
        Assert.Equal($"contact request full: 3 messages from {peer.Short} already wait for a decision (at most 3)",
            book.Admit(peer, Msg("m4"), "m4"));
        // Settled, m1 is counted where it now is only: still three.
        Assert.True(book.Settle(peer, Msg("m1"), stored: true));
        Assert.Contains("3 messages", book.Admit(peer, Msg("m4"), "m4"));
    }

    [Fact]
    public async Task A_peer_whose_message_is_stored_but_not_yet_settled_takes_one_peer_slot()
    {
        var book = Book(peers: 2);
        Assert.Null(book.Admit(Id("a"), Msg("a1"), "a1"));
        await HoldAsync(Id("a"), "a1");

        Assert.Null(book.Admit(Id("b"), Msg("b1"), "b1"));
        Assert.Equal("2 contact requests wait for a decision already", book.Admit(Id("c"), Msg("c1"), "c1"));
    }

    [Fact]
    public async Task A_resend_of_a_held_message_is_admitted_at_the_limit_so_it_can_be_acknowledged_again()
    {
        var book = Book(messages: 2, bytes: 4);
        var peer = Id("a");
        await HoldAsync(peer, "m1");
        await HoldAsync(peer, "m2");

        Assert.Null(book.Admit(peer, Msg("m1"), "m1"));
        Assert.Contains("2 messages", book.Admit(peer, Msg("m3"), "m3"));
    }

    [Fact]
    public void A_message_admitted_twice_counts_until_both_admissions_settle()
    {
        var book = Book(messages: 1);
        var peer = Id("a");
        Assert.Null(book.Admit(peer, Msg("m1"), "m1"));
        Assert.Null(book.Admit(peer, Msg("m1"), "m1")); // its resend, before the store answered the first

        book.Settle(peer, Msg("m1"), stored: false);
        Assert.Contains("1 messages", book.Admit(peer, Msg("m2"), "m2"));
        book.Settle(peer, Msg("m1"), stored: false);
        Assert.Null(book.Admit(peer, Msg("m2"), "m2"));
    }

    [Fact]
    public async Task The_byte_limit_allows_exactly_the_limit_in_utf8_counting_stored_and_admitted_text()
    {
        var book = Book(bytes: 10);
        var peer = Id("a");
        await HoldAsync(peer, "ééé"); // 6 bytes in UTF-8

        Assert.Null(book.Admit(peer, Msg("abc"), "abc"));
        Assert.Null(book.Admit(peer, Msg("d"), "d"));
        var refusal = book.Admit(peer, Msg("é"), "é");

        Assert.Equal($"contact request full: 12 bytes from {peer.Short} would wait for a decision (at most 10)", refusal);
        Assert.Null(book.Admit(peer, Msg(""), ""));
    }

    [Fact]
    public async Task A_new_peer_is_refused_once_the_peer_limit_is_reached_but_a_waiting_peer_may_add_more()
    {
        var book = Book(peers: 2);
        await HoldAsync(Id("stored"), "held");
        Assert.Null(book.Admit(Id("admitted"), Msg("pending"), "pending"));

        Assert.Equal("2 contact requests wait for a decision already", book.Admit(Id("new"), Msg("hello"), "hello"));
        Assert.Null(book.Admit(Id("stored"), Msg("more"), "more"));
        Assert.Null(book.Admit(Id("admitted"), Msg("more"), "more"));
    }

    [Fact]
    public void Settling_a_refused_message_gives_its_allowance_back()
    {
        var book = Book(messages: 2, bytes: 10);
        var peer = Id("a");
        Assert.Null(book.Admit(peer, Msg("aaaaa"), "aaaaa"));
        Assert.Null(book.Admit(peer, Msg("bbbbb"), "bbbbb"));
        Assert.NotNull(book.Admit(peer, Msg("c"), "c"));

        Assert.False(book.Settle(peer, Msg("aaaaa"), stored: false));

        Assert.Null(book.Admit(peer, Msg("ccccc"), "ccccc"));
        Assert.Contains("2 messages", book.Admit(peer, Msg("d"), "d"));
        Assert.False(book.Settle(peer, Msg("bbbbb"), stored: false));
        Assert.False(book.Settle(peer, Msg("ccccc"), stored: false));
        Assert.Null(book.Admit(peer, Msg("0123456789"), "0123456789"));
    }

    [Fact]
    public void Settling_a_peers_last_admitted_message_frees_its_peer_slot()
    {
        var book = Book(peers: 1);
        Assert.Null(book.Admit(Id("a"), Msg("refused later"), "refused later"));
        Assert.NotNull(book.Admit(Id("b"), Msg("no slot yet"), "no slot yet"));

        book.Settle(Id("a"), Msg("refused later"), stored: false);

        Assert.Null(book.Admit(Id("b"), Msg("now there is one"), "now there is one"));
    }

    [Fact]
    public void Settling_one_of_several_admitted_messages_gives_back_only_its_bytes()
    {
        var book = Book(bytes: 10);
        var peer = Id("a");
        Assert.Null(book.Admit(peer, Msg("aaaa"), "aaaa"));
        Assert.Null(book.Admit(peer, Msg("bbbbbb"), "bbbbbb"));

        book.Settle(peer, Msg("aaaa"), stored: false);

        Assert.Null(book.Admit(peer, Msg("cccc"), "cccc"));
        Assert.Contains("11 bytes", book.Admit(peer, Msg("d"), "d"));
    }

    [Fact]
    public async Task Only_the_first_stored_message_of_a_request_is_announced_until_it_is_decided()
    {
        var book = Book();
        var peer = Id("a");

        Assert.False(book.Settle(peer, Msg("refused"), stored: false));
        Assert.True(book.Settle(peer, Msg("first"), stored: true));
        Assert.False(book.Settle(peer, Msg("second"), stored: true));
        Assert.True(book.Settle(Id("b"), Msg("another peer"), stored: true));

        await HoldAsync(peer, "first");
        Assert.Single(book.Release(peer));
        Assert.True(book.Settle(peer, Msg("after the release"), stored: true));

        Assert.False(book.Drop(peer));
        Assert.True(book.Settle(peer, Msg("after the drop"), stored: true));
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
