namespace EventPoll.Scenarios.Http;

/// <summary>
/// A server of <c>bench http</c> could not be measured in one case: it did not start, exited, or wrk could not run
/// against it. The case goes on without it, and the report says why.
/// </summary>
internal sealed class ContenderFailedException(string message) : Exception(message);
