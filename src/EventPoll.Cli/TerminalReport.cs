using Spectre.Console;

namespace EventPoll.Cli;

/// <summary>
/// Shows bench's markdown report on a terminal: its tables as Spectre tables, its headings in bold, the rest as it
/// is. Reading the markdown, rather than the run, keeps one source for what the report says (the files and
/// redirected output keep the markdown itself).
/// </summary>
internal static class TerminalReport
{
    internal static void Write(IAnsiConsole console, string markdown)
    {
        Table? table = null;
        foreach (string line in markdown.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith('|'))
            {
                string[] cells = line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
                if (table is null) table = Header(cells);
                else if (cells.All(c => c.Trim(':', '-').Length == 0)) Align(table, cells);
                else table.AddRow(cells.Select(c => new Text(c)).ToArray());
                continue;
            }

            if (table is not null) console.Write(table);
            table = null;
            if (line.StartsWith('#')) console.MarkupLine($"[bold]{Markup.Escape(line.TrimStart('#', ' '))}[/]");
            else console.WriteLine(line);
        }

        if (table is not null) console.Write(table);
    }

    private static Table Header(string[] cells)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (string cell in cells) table.AddColumn(new TableColumn(new Text(cell)));
        return table;
    }

    /// <summary>The markdown separator row: <c>---:</c> right-aligns its column.</summary>
    private static void Align(Table table, string[] cells)
    {
        for (int i = 0; i < cells.Length && i < table.Columns.Count; i++)
        {
            if (cells[i].EndsWith(':')) table.Columns[i].RightAligned();
        }
    }
}
