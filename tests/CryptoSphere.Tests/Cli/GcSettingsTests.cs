using System.Text.Json;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// The program ships a capped young-generation budget: without it a machine (or VM) that reports a large L3 cache
/// gives the garbage collector a budget of tens of MiB, and an idle node holds that much garbage resident.
/// </summary>
public class GcSettingsTests
{
    [Fact]
    public void The_program_caps_the_young_generation_and_keeps_the_workstation_collector()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "cryptosphere.runtimeconfig.json");
        using var config = JsonDocument.Parse(File.ReadAllText(path));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(properties.TryGetProperty("System.GC.Gen0MaxBudget", out var budget), $"{path} sets no System.GC.Gen0MaxBudget");
        Assert.InRange(budget.GetInt64(), 1L << 20, 8L << 20);
        // The server collector sizes its budgets differently (and runs a heap per core): the cap is meant for this one.
        Assert.False(properties.TryGetProperty("System.GC.Server", out var server) && server.GetBoolean(), "the server GC is on");
    }

    [Fact]
    public void The_program_keeps_idle_thread_pool_threads_from_spinning()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "cryptosphere.runtimeconfig.json");
        using var config = JsonDocument.Parse(File.ReadAllText(path));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        // Spinning threads take the CPU that the peer's process, on the same two cores, needs (docs/BENCHMARKS.md).
        Assert.True(properties.TryGetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", out var spin),
            $"{path} sets no System.Threading.ThreadPool.UnfairSemaphoreSpinLimit");
        Assert.Equal(0, spin.GetInt32());
    }
}
