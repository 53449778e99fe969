using BenchmarkDotNet.Running;

// Micro-costs of the engine, with the memory diagnoser: dotnet run -c Release --project bench/EventPoll.Bench -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(EventPoll.Bench.MicroBenchmarks).Assembly).Run(args);
