using System.Globalization;

namespace CryptoSphere.Bench;

/// <summary>What one legacy sender did in a run: messages written, their sequence-number sum, and those the
/// receiver turned away (refused at connect or reset during the write) or closed unread after the write.</summary>
internal sealed record SenderTally(long Sent, long SeqSum, long Refused, long ClosedUnread, long UnreadSeqSum, long ConnectFailures, long WriteFailures, string? FirstError)
{
    /// <summary>Written and read by the receiver (it closed with a FIN): these must all be shown and stored.</summary>
    public long Read => Sent - ClosedUnread;

    /// <summary>The sequence-number sum of <see cref="Read"/>: what the receiver's messages from this sender must add up to.</summary>
    public long ReadSeqSum => SeqSum - UnreadSeqSum;
}

/// <summary>
/// The report that <c>bench/native/legacy-load.c</c> prints at the end of a run: one <c>sender</c> line per sender,
/// optional <c>error</c> lines, and one <c>end</c> line, each of <c>key=value</c> pairs. A report that is cut short
/// or inconsistent (a sender missing, sums that do not add up) is an error, never a run without losses.
/// </summary>
internal sealed record LegacyLoadReport(SenderTally[] Senders, long Attempts, long Unanswered, int Hung, bool Drained, double Seconds, double CpuSeconds)
{
    public static LegacyLoadReport Parse(IEnumerable<string> lines)
    {
        var senders = new SortedDictionary<int, Dictionary<string, long>>();
        var errors = new Dictionary<int, string>();
        Dictionary<string, string>? end = null;
        foreach (var line in lines)
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var kind = space < 0 ? line : line[..space];
            switch (kind)
            {
                case "ready":
                    break;
                case "sender":
                    var values = Pairs(line, space).ToDictionary(p => p.Key, p => Long(p.Key, p.Value), StringComparer.Ordinal);
                    var index = (int)Required(values, "index");
                    if (!senders.TryAdd(index, values))
                        throw new FormatException($"the load generator reported sender {index} twice");
                    break;
                case "error":
                    // "error index=N what: message": the message is free text.
                    var rest = line[(space + 1)..];
                    var gap = rest.IndexOf(' ', StringComparison.Ordinal);
                    if (gap < 0 || !rest.StartsWith("index=", StringComparison.Ordinal))
                        throw new FormatException($"the load generator printed a malformed error line: {line}");
                    errors[(int)Long("index", rest["index=".Length..gap])] = rest[(gap + 1)..];
                    break;
                case "end":
                    end = Pairs(line, space).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
                    break;
                default:
                    throw new FormatException($"the load generator printed an unexpected line: {line}");
            }
        }
        if (end is null)
            throw new FormatException("the load generator ended without its report (no 'end' line)");
        var count = (int)Long("senders", Text(end, "senders"));
        if (senders.Count != count || senders.Keys.Any(k => k < 0 || k >= count))
            throw new FormatException($"the load generator reported {senders.Count} of its {count} senders");
        var tallies = senders.Values.Select((v, i) => new SenderTally(Required(v, "sent"), Required(v, "seq_sum"), Required(v, "refused"),
            Required(v, "closed_unread"), Required(v, "unread_seq_sum"), Required(v, "connect_failures"), Required(v, "write_failures"),
            errors.GetValueOrDefault(i))).ToArray();
        if (tallies.Sum(t => t.Sent) != Long("sent", Text(end, "sent")))
            throw new FormatException("the load generator's total of messages sent does not match its senders' counts");
        return new LegacyLoadReport(tallies, Long("attempts", Text(end, "attempts")), Long("unanswered", Text(end, "unanswered")),
            (int)Long("hung", Text(end, "hung")), Long("drained", Text(end, "drained")) == 1, SecondsOf(end, "seconds"), SecondsOf(end, "cpu_seconds"));
    }

    private static IEnumerable<KeyValuePair<string, string>> Pairs(string line, int space) =>
        space < 0
            ? []
            : line[(space + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(pair =>
                pair.IndexOf('=', StringComparison.Ordinal) is var eq and > 0
                    ? KeyValuePair.Create(pair[..eq], pair[(eq + 1)..])
                    : throw new FormatException($"the load generator printed '{pair}' where key=value belongs: {line}"));

    private static long Long(string key, string value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0
            ? n
            : throw new FormatException($"the load generator printed {key}={value}, not a count");

    private static double SecondsOf(Dictionary<string, string> values, string key) =>
        double.TryParse(Text(values, key), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0
            ? seconds
            : throw new FormatException($"the load generator printed {key}={Text(values, key)}, not seconds");

    private static long Required(Dictionary<string, long> values, string key) =>
        values.TryGetValue(key, out var value) ? value : throw new FormatException($"the load generator's sender line lacks {key}");

    private static string Text(Dictionary<string, string> values, string key) =>
        values.TryGetValue(key, out var value) ? value : throw new FormatException($"the load generator's end line lacks {key}");
}
