using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Commands;

/// <summary>The identity and trust store of one data directory, opened with clear errors.</summary>
internal sealed class Profile : IDisposable
{
    private Profile(string directory, NodeIdentity identity, TrustStore trust)
    {
        Directory = directory;
        Identity = identity;
        Trust = trust;
    }

    public string Directory { get; }
    public NodeIdentity Identity { get; }
    public TrustStore Trust { get; }

    /// <summary>Opens the profile, or prints why it cannot be opened and returns null.</summary>
    public static Profile? Open(string directory)
    {
        try
        {
            var identity = NodeIdentity.LoadOrCreate(directory);
            return new Profile(directory, identity, TrustStore.Open(directory));
        }
        catch (Exception e) when (e is IdentityException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"cryptosphere: {e.Message}");
            return null;
        }
    }

    public void Dispose() => Identity.Dispose();
}
