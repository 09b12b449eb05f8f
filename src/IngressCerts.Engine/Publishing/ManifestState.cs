using System.Text.Json;
using IngressCerts.Engine.Inventory;
using k8s;
using k8s.Models;

namespace IngressCerts.Engine.Publishing;

/// <summary>What manifest files hold for a publish target: the Secret and the Ingress, as a cluster would.</summary>
public static class ManifestState
{
    /// <summary>The target's Secret and Ingress among <paramref name="objects"/> (an object without namespace is in "default").</summary>
    public static PublishState Find(IEnumerable<ManifestObject> objects, PublishTarget target, Action<ManifestError> onError)
    {
        V1Secret? secret = null;
        V1Ingress? ingress = null;
        foreach (var obj in objects.Where(o => (o.Namespace ?? "default") == target.Namespace))
        {
            try
            {
                if (obj.Kind == "Secret" && obj.Name == target.SecretName)
                {
                    secret = KubernetesJson.Deserialize<V1Secret>(obj.JsonText);
                }
                else if (obj.Kind == "Ingress" && obj.Name == target.IngressName)
                {
                    ingress = KubernetesJson.Deserialize<V1Ingress>(obj.JsonText);
                    ingress.Metadata.NamespaceProperty ??= target.Namespace;
                }
            }
            catch (JsonException ex)
            {
                onError(new ManifestError(obj.File, $"{obj.Describe()} cannot be read: {ex.Message}"));
            }
        }

        return new PublishState(secret, ingress);
    }
}
