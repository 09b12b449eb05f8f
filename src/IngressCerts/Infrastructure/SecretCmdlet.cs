using System.Management.Automation;

namespace IngressCerts.Commands.Infrastructure;

/// <summary>
/// A cmdlet about one Secret, named by -Namespace and -SecretName (by position, or by property name from Get and
/// Publish results), in the cluster of -Context.
/// </summary>
public abstract class SecretCmdlet : KubernetesCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string? Namespace { get; set; }

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SecretNameCompleter))]
    public string? SecretName { get; set; }

    /// <summary>Bound from piped Get results, whose Secret may live in another namespace than its Gateway.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    public string? SecretNamespace { get; set; }

    /// <summary>The kube context; bound from piped Get/Publish results so each goes back to its own cluster.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ContextCompleter))]
    public string? Context { get; set; }

    /// <summary>
    /// The Secret's namespace and "namespace/name" (the TargetObject of its errors); false, with an InvalidName error
    /// written, when a name is not one Kubernetes accepts.
    /// </summary>
    protected bool TryGetSecret(out string ns, out string target)
    {
        ns = target = string.Empty;
        if ((KubernetesNames.CheckNamespace(nameof(Namespace), Namespace)
            ?? KubernetesNames.CheckNamespace(nameof(SecretNamespace), SecretNamespace)
            ?? KubernetesNames.CheckObjectName(nameof(SecretName), SecretName)) is { } invalid)
        {
            WriteError(invalid);
            return false;
        }

        ns = SecretNamespace ?? Namespace!;
        target = $"{ns}/{SecretName}";
        return true;
    }
}
