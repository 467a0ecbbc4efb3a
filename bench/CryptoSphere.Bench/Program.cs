using CryptoSphere.Bench;

// Temporary dispatcher until the legacy benchmarks land.
return args.FirstOrDefault() switch
{
    "store" => StoreBench.Run(new StoreBench.Settings(200_000, int.Parse(args.ElementAtOrDefault(1) ?? "1000000"), 200), Console.Out) ? 0 : 1,
    "secure" => SecureThroughput.Run(new SecureThroughput.Settings(200_000, 10_000, 3), Console.Out) ? 0 : 1,
    "fanout" => FanOutBench.Run(new FanOutBench.Settings([10, 100], 30), Console.Out) ? 0 : 1,
    _ => 2,
};
