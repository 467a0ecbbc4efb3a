namespace CryptoSphere.Tests.Support;

/// <summary>A fact that counts this process's sockets (see <see cref="ProcessSockets"/>), so needs Linux's /proc.</summary>
public sealed class ProcessSocketsFactAttribute() : RequiresFactAttribute(Variable,
    ProcessSockets.IsSupported ? null : "/proc/self/fd and /proc/net/tcp are not there (not Linux)")
{
    public const string Variable = "CRYPTOSPHERE_REQUIRE_PROC";
}
