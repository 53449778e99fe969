using System.Globalization;
using EventPoll.Scenarios.Http;
using EventPoll.Scenarios.Measurement;
using EventPoll.Scenarios.Scenarios;

namespace EventPoll.Scenarios.Reporting;

/// <summary>
/// Issue 15's bars, judged on one <c>bench http</c> run: EventPoll's server against nginx and Kestrel in the pinned
/// cases (requests per second and server CPU per request), no errors in any run, and its descriptors back to their
/// idle count after every case's load. (The other bars, bytes per request and the bad-input tests, are tests.)
/// </summary>
internal static class HttpBars
{
    private const string EventPoll = HttpScenario.EventPoll, Nginx = HttpScenario.Nginx, Kestrel = HttpScenario.Kestrel;

    /// <summary>How many bars <see cref="Add"/> adds.</summary>
    internal const int Count = 8;

    internal static void Add(List<Bar> bars, ScenarioResult? http)
    {
        HttpCase close = new(KeepAlive: false, Pinned: true), keepAlive = new(KeepAlive: true, Pinned: true);
        bars.Add(RateAtLeast(http, close, Nginx, 1.0));
        bars.Add(RateAtLeast(http, close, Kestrel, 1.3));
        bars.Add(CpuAtMost(http, close, "connection", 1.0));
        bars.Add(RateAtLeast(http, keepAlive, Nginx, 0.9));
        bars.Add(RateAtLeast(http, keepAlive, Kestrel, 1.5));
        bars.Add(CpuAtMost(http, keepAlive, "request", 1.2));

        Row[] ours = [.. http?.Rows.Where(r => r.Variant == EventPoll) ?? []];
        double Sum(Func<string, bool> figure) => ours.Where(r => figure(HttpScenario.Split(r).Figure)).Sum(r => r.Value);
        const string NoErrors = "http: EventPoll: 0 socket errors and 0 non-2xx responses in every run";
        int cases = ours.Count(r => HttpScenario.Split(r).Figure == HttpScenario.Rate);
        double socketErrors = Sum(f => HttpScenario.SocketErrorKinds.Select(HttpScenario.SocketErrors).Contains(f)), badStatuses = Sum(f => f == HttpScenario.BadStatuses);
        bars.Add(cases == 0 ? new Bar(NoErrors, "", null)
            : new Bar(NoErrors, string.Create(CultureInfo.InvariantCulture, $"{socketErrors} socket errors, {badStatuses} non-2xx in {cases} case(s)"), socketErrors + badStatuses == 0));

        const string BackToIdle = "http: EventPoll's descriptor count back to its idle value after the load";
        (string Case, double Idle, double After)[] descriptors = [.. ours.Where(r => HttpScenario.Split(r).Figure == HttpScenario.DescriptorsIdle).Select(idle =>
        {
            string label = HttpScenario.Split(idle).Case;
            return (label, idle.Value, http!.Find(EventPoll, HttpScenario.Parameter(label, HttpScenario.DescriptorsAfter))!.Value);
        })];
        bars.Add(descriptors.Length == 0 ? new Bar(BackToIdle, "", null)
            : new Bar(BackToIdle, string.Join(", ", descriptors.Select(d => string.Create(CultureInfo.InvariantCulture, $"{d.Case} {d.Idle:0} then {d.After:0}"))),
                descriptors.All(d => d.After <= d.Idle)));
    }

    private static Bar RateAtLeast(ScenarioResult? http, HttpCase httpCase, string reference, double bound) =>
        BarCheck.AtLeast($"http: {httpCase.Label}: EventPoll req/s >= {Times(bound)}{reference}'s",
            http?.Find(EventPoll, HttpScenario.Parameter(httpCase, HttpScenario.Rate))?.Versus.GetValueOrDefault(reference), bound);

    /// <summary>EventPoll's server CPU per request at most <paramref name="bound"/> times nginx's.</summary>
    private static Bar CpuAtMost(ScenarioResult? http, HttpCase httpCase, string unit, double bound)
    {
        string requirement = $"http: {httpCase.Label}: EventPoll server CPU per {unit} <= {Times(bound)}nginx's";
        Row? ours = http?.Find(EventPoll, HttpScenario.Parameter(httpCase, HttpScenario.ServerCpu));
        Row? theirs = http?.Find(Nginx, HttpScenario.Parameter(httpCase, HttpScenario.ServerCpu));
        if (ours is null || theirs is null || !ours.Versus.TryGetValue(Nginx, out double speedup)) return new Bar(requirement, "", null);
        return new Bar(requirement, string.Create(CultureInfo.InvariantCulture, $"{1 / speedup:0.00}x ({ours.Value:0.0} vs {theirs.Value:0.0} us)"), 1 / speedup <= bound);
    }

    private static string Times(double bound) => bound == 1.0 ? "" : string.Create(CultureInfo.InvariantCulture, $"{bound}x ");
}
