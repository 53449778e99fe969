using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using EventPoll.Scenarios.Measurement;

namespace EventPoll.Scenarios.Reporting;

/// <summary>The machine-readable report: every sample, ratio and bar, with the machine it was measured on.</summary>
internal static class JsonReport
{
    internal static string Render(BenchRun run)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("started", run.Started);
            json.WriteString("size", run.Size.ToString().ToLowerInvariant());
            json.WriteBoolean("quick", run.Size != BenchSize.Full);
            json.WriteNumber("elapsedSeconds", run.Elapsed.TotalSeconds);
            json.WriteStartObject("machine");
            json.WriteString("cpu", run.Machine.Cpu);
            json.WriteNumber("cores", run.Machine.Cores);
            json.WriteNumber("memoryBytes", run.Machine.MemoryBytes);
            json.WriteString("kernel", run.Machine.Kernel);
            json.WriteString("dotnet", run.Machine.DotNet);
            json.WriteString("architecture", run.Machine.Architecture);
            json.WriteEndObject();
            json.WriteStartArray("scenarios");
            foreach (ScenarioResult result in run.Results) WriteScenario(json, result);
            json.WriteEndArray();
            json.WriteStartArray("bars");
            foreach (Bar bar in run.Bars)
            {
                json.WriteStartObject();
                json.WriteString("requirement", bar.Requirement);
                json.WriteString("measured", bar.Measured);
                json.WriteString("result", bar.Verdict);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteScenario(Utf8JsonWriter json, ScenarioResult result)
    {
        json.WriteStartObject();
        json.WriteString("name", result.Name);
        json.WriteString("title", result.Title);
        json.WriteNumber("elapsedSeconds", result.Elapsed.TotalSeconds);
        if (result.BeforeLabel is not null) json.WriteString("before", result.BeforeLabel);
        json.WriteStartArray("rows");
        foreach (Row row in result.Rows)
        {
            json.WriteStartObject();
            json.WriteString("variant", row.Variant);
            json.WriteString("parameter", row.Parameter);
            json.WriteString("unit", row.Unit switch
            {
                Unit.OpsPerSecond => "ops/s",
                Unit.NanosecondsPerOp => "ns/op",
                Unit.SystemCallsPerWait => "syscalls/wait",
                Unit.Microseconds => "us",
                Unit.Count => "count",
                _ => "bytes",
            });
            json.WriteNumber("value", row.Value);
            json.WriteStartArray("samples");
            foreach (double s in row.Samples) json.WriteNumberValue(s);
            json.WriteEndArray();
            if (row.VsKernel is double k) json.WriteNumber("vsKernel", k);
            if (row.VsBefore is double b) json.WriteNumber("vsBefore", b);
            if (row.Versus.Count > 0)
            {
                json.WriteStartObject("versus");
                foreach ((string variant, double ratio) in row.Versus) json.WriteNumber(variant, ratio);
                json.WriteEndObject();
            }
            if (row.ReferenceSamples is { } reference)
            {
                json.WriteStartArray("referenceSamples");
                foreach (double s in reference) json.WriteNumberValue(s);
                json.WriteEndArray();
                json.WriteNumber("vsReference", row.VsReference!.Value);
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("notes");
        foreach (string note in result.Notes) json.WriteStringValue(note);
        json.WriteEndArray();
        json.WriteEndObject();
    }
}
