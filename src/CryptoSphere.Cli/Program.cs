using System.CommandLine;
using CryptoSphere.Cli.Commands;

var parsed = CliApp.Build().Parse(args);
if (UsageErrors.Describe(parsed) is { } usage)
{
    Console.Error.WriteLine($"cryptosphere: {usage}");
    return UsageErrors.ExitCode;
}
try
{
    return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is not OutOfMemoryException)
{
    // Commands report what they expect to go wrong; this is the last line of defence against a stack trace.
    Console.Error.WriteLine($"cryptosphere: {e.Message}");
    return 1;
}
