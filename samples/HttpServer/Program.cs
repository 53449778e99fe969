using System.CommandLine;
using EventPoll.Samples.Http;

// The sample server on its own: `dotnet run -c Release --project samples/HttpServer -- --port 8080 --loops 2`.
Command serve = HttpServerCommand.Create(Console.Out, Console.Error);
var root = new RootCommand(serve.Description!);
foreach (Option option in serve.Options) root.Options.Add(option);
root.Action = serve.Action;
return root.Parse(args).Invoke();
