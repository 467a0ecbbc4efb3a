namespace CryptoSphere.Tests.Faults;

/// <summary>
/// The fault-injection tests run several real programs each and measure recovery times: they run one at a
/// time, after the parallel part of the suite, so that the two cores of a CI machine are theirs.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultsCollection
{
    public const string Name = "Faults";
}
