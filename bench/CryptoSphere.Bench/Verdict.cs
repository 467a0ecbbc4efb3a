namespace CryptoSphere.Bench;

/// <summary>
/// The checks a benchmark makes on what it measured: its aims and its loss counts. Printed as a table under
/// the results; the benchmark exits 1 when any check failed, so a missed aim or a lost message fails the run.
/// </summary>
internal sealed class Verdict
{
    private readonly List<(string Check, string Aim, string Measured, bool Met)> _rows = [];

    public bool Passed => _rows.All(r => r.Met);

    /// <summary>An aim: a figure against a bound the docs promise.</summary>
    public Verdict Aim(string check, string aim, string measured, bool met)
    {
        _rows.Add((check, aim, measured, met));
        return this;
    }

    /// <summary>A loss count: anything sent and not accounted for fails the run.</summary>
    public Verdict NoLoss(string check, long lost, string? detail = null)
    {
        _rows.Add((check, "0 lost", lost == 0 ? "0 lost" + (detail is null ? "" : $" ({detail})") : $"{lost:N0} lost" + (detail is null ? "" : $" ({detail})"), lost == 0));
        return this;
    }

    public void Print(TextWriter output)
    {
        output.WriteLine();
        output.WriteLine("| check | aim | measured | met |");
        output.WriteLine("|---|---|---|---|");
        foreach (var (check, aim, measured, met) in _rows)
            output.WriteLine($"| {check} | {aim} | {measured} | {(met ? "yes" : "**NO**")} |");
        output.WriteLine();
        output.WriteLine(Passed ? "Every check passed." : $"CHECK FAILED: {string.Join("; ", _rows.Where(r => !r.Met).Select(r => r.Check))}.");
    }
}
