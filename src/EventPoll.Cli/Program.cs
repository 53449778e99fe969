using EventPoll.Cli;

return CommandLine.RunProcess(args, Console.In, Console.Out, Console.Error, Terminal.OfProcess());
