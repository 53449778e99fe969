using System.Globalization;
using System.Text.RegularExpressions;

namespace EventPoll.Scenarios.Http;

/// <summary>
/// What one wrk run printed (wrk 4.x with <c>--latency</c>): requests completed, requests per second, the 50th and
/// 99th latency percentiles, socket errors by kind, and responses with a status above 399 (wrk's "Non-2xx or 3xx
/// responses"). wrk prints the last two lines only when they are not zero.
/// </summary>
internal sealed partial record WrkReport(long Requests, double RequestsPerSecond, double P50Us, double P99Us,
    long ConnectErrors, long ReadErrors, long WriteErrors, long TimeoutErrors, long BadStatuses)
{
    internal long SocketErrors => ConnectErrors + ReadErrors + WriteErrors + TimeoutErrors;

    /// <summary>Parses wrk's report; throws <see cref="FormatException"/> naming the line it did not find.</summary>
    internal static WrkReport Parse(string output)
    {
        Match requests = Required(RequestsLine(), output, "N requests in T");
        Match errors = SocketErrorsLine().Match(output);
        Match statuses = BadStatusLine().Match(output);
        return new WrkReport(
            Requests: long.Parse(requests.Groups[1].Value, CultureInfo.InvariantCulture),
            RequestsPerSecond: double.Parse(Required(RateLine(), output, "Requests/sec").Groups[1].Value, CultureInfo.InvariantCulture),
            P50Us: Percentile(output, "50"),
            P99Us: Percentile(output, "99"),
            ConnectErrors: errors.Success ? Count(errors, 1) : 0,
            ReadErrors: errors.Success ? Count(errors, 2) : 0,
            WriteErrors: errors.Success ? Count(errors, 3) : 0,
            TimeoutErrors: errors.Success ? Count(errors, 4) : 0,
            BadStatuses: statuses.Success ? Count(statuses, 1) : 0);
    }

    /// <summary>A percentile line of the "Latency Distribution" block ("     99%    5.09ms"), in microseconds.</summary>
    private static double Percentile(string output, string percent)
    {
        Match line = PercentileLines().Matches(output).FirstOrDefault(m => m.Groups[1].Value == percent)
            ?? throw new FormatException($"wrk's report has no \"{percent}%\" latency line (--latency)");
        double value = double.Parse(line.Groups[2].Value, CultureInfo.InvariantCulture);
        // wrk's format_time_us picks the largest unit in which the value is at least 1.
        return value * line.Groups[3].Value switch { "us" => 1, "ms" => 1e3, "s" => 1e6, "m" => 60e6, _ => 3600e6 };
    }

    private static long Count(Match match, int group) => long.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);

    private static Match Required(Regex pattern, string output, string what)
    {
        Match match = pattern.Match(output);
        return match.Success ? match : throw new FormatException($"wrk's report has no \"{what}\" line");
    }

    [GeneratedRegex(@"^\s+(\d+) requests in ", RegexOptions.Multiline)]
    private static partial Regex RequestsLine();

    [GeneratedRegex(@"^\s+(\d+)%\s+([0-9.]+)(us|ms|s|m|h)\s*$", RegexOptions.Multiline)]
    private static partial Regex PercentileLines();

    [GeneratedRegex(@"^Requests/sec:\s+([0-9.]+)\s*$", RegexOptions.Multiline)]
    private static partial Regex RateLine();

    [GeneratedRegex(@"^\s+Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex SocketErrorsLine();

    [GeneratedRegex(@"^\s+Non-2xx or 3xx responses: (\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex BadStatusLine();
}
