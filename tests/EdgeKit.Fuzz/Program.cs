using EdgeKit.Fuzz;
using SharpFuzz;

// Usage:
//   EdgeKit.Fuzz TARGET                 run under afl-fuzz (reads each input from stdin; runs once when not under AFL)
//   EdgeKit.Fuzz TARGET --replay DIR    run every file of DIR through TARGET once (the seed corpus, a crash to debug)
//   EdgeKit.Fuzz --list                 the target names
if (args.Length == 1 && args[0] == "--list")
{
    foreach (string name in Targets.All.Keys)
    {
        Console.WriteLine(name);
    }

    return 0;
}

if (args.Length == 0 || !(Targets.All.TryGetValue(args[0], out var target) || Targets.Canaries.TryGetValue(args[0], out target)))
{
    Console.Error.WriteLine($"usage: EdgeKit.Fuzz TARGET [--replay DIR]; targets: {string.Join(", ", Targets.All.Keys)}");
    return 2;
}

if (args.Length == 3 && args[1] == "--replay")
{
    int count = 0;
    foreach (string file in Directory.EnumerateFiles(args[2]).Order(StringComparer.Ordinal))
    {
        target(File.ReadAllBytes(file));
        count++;
    }

    Console.WriteLine($"{args[0]}: {count} inputs replayed, no failure");
    return 0;
}

Fuzzer.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    target(buffer.ToArray());
});
return 0;
