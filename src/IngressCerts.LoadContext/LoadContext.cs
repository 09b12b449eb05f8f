using System.Reflection;
using System.Runtime.Loader;

namespace IngressCerts.LoadContext;

/// <summary>
/// A private AssemblyLoadContext for the module's cmdlets and every NuGet dependency, so that other modules in the
/// same session (Az.Aks with YamlDotNet 5, Posh-ACME with an older BouncyCastle) keep their own versions.
/// </summary>
public sealed class LoadContext : AssemblyLoadContext
{
    private const string MainAssemblyName = "IngressCerts";

    // Set once per process: PowerShell cannot unload a binary module, so a re-import reuses the same context.
    private static LoadContext? s_instance;
    private static readonly object s_gate = new();

    private readonly string _dependencyDirectory;

    private LoadContext(string dependencyDirectory) : base(name: "IngressCerts", isCollectible: false)
    {
        _dependencyDirectory = dependencyDirectory;
    }

    /// <summary>Creates the context (first call only) and returns the cmdlet assembly loaded inside it.</summary>
    public static Assembly Initialize()
    {
        lock (s_gate)
        {
            if (s_instance is null)
            {
                string here = Path.GetDirectoryName(typeof(LoadContext).Assembly.Location)
                    ?? throw new InvalidOperationException("Cannot locate the IngressCerts module folder.");
                s_instance = new LoadContext(Path.Combine(here, "deps"));
            }

            return s_instance.LoadFromAssemblyName(new AssemblyName(MainAssemblyName));
        }
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // Only what ships in our deps folder loads here; PowerShell's own assemblies (System.Management.Automation)
        // and the framework resolve from the default context, so the cmdlets share PowerShell's types.
        string candidate = Path.Combine(_dependencyDirectory, assemblyName.Name + ".dll");
        return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
    }
}
