using CryptoSphere.Bench;

// A plain stopwatch harness for the node: no BenchmarkDotNet, one subcommand per benchmark.
// Run it in Release, one benchmark at a time, e.g.
//   dotnet run -c Release --project bench/CryptoSphere.Bench -- legacy-throughput --senders 1,8 --seconds 5
//   dotnet run -c Release --project bench/CryptoSphere.Bench -- silent-latency --messages 1000
return BenchApp.Run(args);
