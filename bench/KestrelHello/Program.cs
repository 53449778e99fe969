// The TechEmpower plaintext shape on /, as the template's minimal API serves it; the address comes from --urls.
var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/", () => "Hello, World!");
app.Run();
