namespace IngressCerts.Bench.Inventory;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "child")
        {
            return await ChildMode.RunAsync(args);
        }

        if (args.Length > 0 && args[0] == "serve")
        {
            return await ServeMode.RunAsync(args);
        }

        if (args.Any(a => a is "--help" or "-h" or "-?"))
        {
            Console.Out.WriteLine(BenchOptions.Usage);
            return 0;
        }

        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(ex.Message);
            Console.Error.WriteLine(BenchOptions.Usage);
            return 2;
        }

        return await new Bench(options).RunAsync();
    }
}
