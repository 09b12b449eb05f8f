namespace IngressCerts.Engine.Kubernetes;

/// <summary>Finds kubeconfig files the way kubectl does.</summary>
public static class KubeConfigLocator
{
    /// <summary>
    /// Explicit paths win; else every existing file named in KUBECONFIG (merged in order, first wins);
    /// else ~/.kube/config if it exists. An empty result means "no kubeconfig".
    /// </summary>
    public static IReadOnlyList<string> Locate(IReadOnlyList<string>? explicitPaths, string? kubeconfigVariable, string? homeDirectory)
    {
        if (explicitPaths is { Count: > 0 })
        {
            var missing = explicitPaths.Where(p => !File.Exists(p)).ToList();
            if (missing.Count > 0)
            {
                throw new KubeConfigurationException(
                    KubeErrorKind.KubeConfigNotFound,
                    $"The kubeconfig file '{missing[0]}' does not exist.");
            }

            return explicitPaths.Select(Path.GetFullPath).ToList();
        }

        if (!string.IsNullOrWhiteSpace(kubeconfigVariable))
        {
            // kubectl ignores entries that do not exist rather than failing on them.
            return kubeconfigVariable
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(File.Exists)
                .Select(Path.GetFullPath)
                .Distinct(StringComparer.Ordinal)
                .ToList();
        }

        if (!string.IsNullOrEmpty(homeDirectory))
        {
            string defaultPath = Path.Combine(homeDirectory, ".kube", "config");
            if (File.Exists(defaultPath))
            {
                return new[] { defaultPath };
            }
        }

        return Array.Empty<string>();
    }
}
