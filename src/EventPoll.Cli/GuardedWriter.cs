using System.Text;

namespace EventPoll.Cli;

/// <summary>
/// Standard output or standard error, with a failed write (<c>&gt;/dev/full</c>, a closed descriptor, a pipe whose
/// reader left) turned into <see cref="OutputFailedException"/>, which the entry point reports in one line instead
/// of a stack trace. Every write goes through one of the overrides below; the base class routes the rest to them.
/// </summary>
internal sealed class GuardedWriter(TextWriter inner, string stream) : TextWriter
{
    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value) => Guard(static (w, v) => w.Write(v), value);

    public override void Write(string? value) => Guard(static (w, v) => w.Write(v), value);

    public override void Write(char[] buffer, int index, int count) =>
        Guard(static (w, v) => w.Write(v.buffer, v.index, v.count), (buffer, index, count));

    public override void WriteLine(string? value) => Guard(static (w, v) => w.WriteLine(v), value);

    public override void Flush() => Guard(static (w, _) => w.Flush(), 0);

    private void Guard<T>(Action<TextWriter, T> write, T value)
    {
        try
        {
            write(inner, value);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A closed descriptor surfaces as UnauthorizedAccessException (EBADF), a full disk as IOException.
            throw new OutputFailedException(stream, e);
        }
    }
}
