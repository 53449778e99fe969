using System.Diagnostics;
using EventPoll.Scenarios.Measurement;

namespace EventPoll.Scenarios.Http;

/// <summary>
/// wrk and nginx, installed from Debian's packages (<c>wrk</c>, <c>nginx-light</c>) with apt-get when missing: as
/// root directly, otherwise through sudo where there is one. <c>apt-get update</c> runs only if the first install
/// fails (a fresh machine's empty or stale package lists), so a machine with current lists pays nothing for it.
/// </summary>
internal static class DebianTools
{
    internal const string Wrk = "wrk", Nginx = "nginx";

    private static readonly (string Program, string Package)[] Needed = [(Wrk, "wrk"), (Nginx, "nginx-light")];
    private static readonly TimeSpan AptLimit = TimeSpan.FromMinutes(10);

    /// <summary>Installs whichever of wrk and nginx is missing, saying so through <paramref name="say"/>; throws <see cref="BenchSetupException"/> if it cannot.</summary>
    internal static void EnsureInstalled(Action<string> say)
    {
        (string Program, string Package)[] missing = [.. Needed.Where(n => ProgramPath.Find(n.Program) is null)];
        if (missing.Length == 0) return;
        string packages = string.Join(' ', missing.Select(m => m.Package));
        string[] sudo = Libc.IsRoot ? [] : ProgramPath.Find("sudo") is not null ? ["sudo", "-n"] : throw new BenchSetupException(
            $"{string.Join(" and ", missing.Select(m => m.Program))} missing, and installing the Debian packages {packages} needs root: "
            + $"run as root, make sudo available, or install them first (apt-get install {packages})");
        say($"{string.Join(" and ", missing.Select(m => m.Program))} missing: installing the Debian packages {packages} (apt-get install -y)");
        string[] install = ["install", "-y", "--no-install-recommends", .. missing.Select(m => m.Package)];
        (int exit, string last) = AptGet(sudo, install);
        if (exit != 0)
        {
            say($"apt-get install failed ({exit}: {last}); running apt-get update, then the install again");
            (int updated, string updateLast) = AptGet(sudo, ["update"]);
            if (updated != 0) throw new BenchSetupException($"apt-get update failed with status {updated}: {updateLast}");
            (exit, last) = AptGet(sudo, install);
        }
        if (exit != 0) throw new BenchSetupException($"apt-get install {packages} failed with status {exit}: {last}");
        string[] stillMissing = [.. missing.Where(m => ProgramPath.Find(m.Program) is null).Select(m => m.Program)];
        if (stillMissing.Length > 0) throw new BenchSetupException($"apt-get installed {packages}, but {string.Join(" and ", stillMissing)} is still not found");
        say($"installed {packages}");
    }

    /// <summary>Runs apt-get non-interactively (behind <paramref name="sudo"/> when not root); returns its exit status and its last line of output.</summary>
    private static (int Exit, string LastLine) AptGet(string[] sudo, string[] arguments)
    {
        string[] command = [.. sudo, "apt-get", .. arguments];
        var start = new ProcessStartInfo(command[0]);
        foreach (string argument in command.Skip(1)) start.ArgumentList.Add(argument);
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using LaunchedProcess apt = LaunchedProcess.Start("apt-get", start, Libc.SigTerm);
        if (!apt.WaitForExit(AptLimit)) return (-1, $"still running after {AptLimit.TotalMinutes:F0} minutes, stopped");
        return (apt.ExitCode, apt.Tail().LastOrDefault(line => line.Trim().Length > 0) ?? "(no output)");
    }
}
