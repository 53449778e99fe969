namespace EventPoll.Scenarios.Measurement;

/// <summary>
/// A scenario's prerequisites could not be had (for <c>bench http</c>: wrk or nginx missing, and no way to install
/// them). The message is one line saying what is missing and what was tried; the command exits with status 5.
/// </summary>
internal sealed class BenchSetupException(string message) : Exception(message);
