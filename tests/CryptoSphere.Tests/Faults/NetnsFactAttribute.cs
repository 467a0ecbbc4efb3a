using System.Diagnostics;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Faults;

/// <summary>
/// A test that builds Linux network namespaces: skipped (visibly, with the reason) where this process cannot
/// create one, a failure instead where CRYPTOSPHERE_REQUIRE_NETNS=1 (.ci/run sets it).
/// </summary>
public sealed class NetnsFactAttribute() : RequiresFactAttribute(Variable, Unavailable.Value)
{
    public const string Variable = "CRYPTOSPHERE_REQUIRE_NETNS";

    private static readonly Lazy<string?> Unavailable = new(Probe);

    /// <summary>Why this machine cannot create network namespaces; null when it can.</summary>
    internal static string? Reason => Unavailable.Value;

    // The same steps the lab takes first, on a throwaway namespace: being root is not enough in a container
    // without CAP_SYS_ADMIN.
    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
            return "network namespaces need Linux";
        if (!Environment.IsPrivilegedProcess)
            return "creating network namespaces needs root";
        var name = $"cs-probe-{Environment.ProcessId}";
        var (added, error) = Ip("netns", "add", name);
        if (!added)
            return $"'ip netns add' failed: {error}";
        Ip("netns", "del", name);
        return null;
    }

    private static (bool Ok, string Error) Ip(params string[] args)
    {
        try
        {
            var info = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in args)
                info.ArgumentList.Add(a);
            using var ip = Process.Start(info)!;
            var error = ip.StandardError.ReadToEnd();
            ip.StandardOutput.ReadToEnd();
            if (!ip.WaitForExit(10_000))
            {
                ip.Kill();
                return (false, "ip did not finish in 10 s");
            }
            return (ip.ExitCode == 0, error.Trim());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (false, $"the ip command (iproute2) is not installed: {e.Message}");
        }
    }
}
