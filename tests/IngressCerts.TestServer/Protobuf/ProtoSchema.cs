namespace IngressCerts.TestServer.Protobuf;

/// <summary>How one protobuf field maps to a JSON field.</summary>
internal enum ProtoKind
{
    String,
    Bytes,
    Int,
    Bool,
    Message,
    StringMap,
    BytesMap,
    RepeatedString,
    RepeatedMessage,
    Ignored,
}

internal sealed record ProtoField(string Name, ProtoKind Kind, ProtoMessage? Message = null);

/// <summary>A message: field numbers to JSON names, from k8s.io/api generated.proto.</summary>
internal sealed class ProtoMessage(Dictionary<int, ProtoField> fields)
{
    public IReadOnlyDictionary<int, ProtoField> Fields { get; } = fields;
}

/// <summary>
/// The parts of k8s.io/api's protobuf schema that kubectl sends for the kinds served here
/// (kubectl create secret / namespace / ingress encode with protobuf).
/// </summary>
internal static class KubeProtoSchemas
{
    private static readonly ProtoMessage OwnerReference = new(new()
    {
        [1] = new("kind", ProtoKind.String),
        [3] = new("name", ProtoKind.String),
        [4] = new("uid", ProtoKind.String),
        [5] = new("apiVersion", ProtoKind.String),
        [6] = new("controller", ProtoKind.Bool),
        [7] = new("blockOwnerDeletion", ProtoKind.Bool),
    });

    private static readonly ProtoMessage ObjectMeta = new(new()
    {
        [1] = new("name", ProtoKind.String),
        [2] = new("generateName", ProtoKind.String),
        [3] = new("namespace", ProtoKind.String),
        [5] = new("uid", ProtoKind.String),
        [6] = new("resourceVersion", ProtoKind.String),
        [11] = new("labels", ProtoKind.StringMap),
        [12] = new("annotations", ProtoKind.StringMap),
        [13] = new("ownerReferences", ProtoKind.RepeatedMessage, OwnerReference),
        [14] = new("finalizers", ProtoKind.RepeatedString),
    });

    public static readonly ProtoMessage Secret = new(new()
    {
        [1] = new("metadata", ProtoKind.Message, ObjectMeta),
        [2] = new("data", ProtoKind.BytesMap),
        [3] = new("type", ProtoKind.String),
        [4] = new("stringData", ProtoKind.StringMap),
        [5] = new("immutable", ProtoKind.Bool),
    });

    public static readonly ProtoMessage Namespace = new(new()
    {
        [1] = new("metadata", ProtoKind.Message, ObjectMeta),
        [2] = new("spec", ProtoKind.Message, new ProtoMessage(new() { [1] = new("finalizers", ProtoKind.RepeatedString) })),
        [3] = new("status", ProtoKind.Ignored),
    });

    private static readonly ProtoMessage ServiceBackendPort = new(new()
    {
        [1] = new("name", ProtoKind.String),
        [2] = new("number", ProtoKind.Int),
    });

    private static readonly ProtoMessage IngressBackend = new(new()
    {
        [3] = new("resource", ProtoKind.Message, new ProtoMessage(new()
        {
            [1] = new("apiGroup", ProtoKind.String),
            [2] = new("kind", ProtoKind.String),
            [3] = new("name", ProtoKind.String),
        })),
        [4] = new("service", ProtoKind.Message, new ProtoMessage(new()
        {
            [1] = new("name", ProtoKind.String),
            [2] = new("port", ProtoKind.Message, ServiceBackendPort),
        })),
    });

    private static readonly ProtoMessage HttpIngressPath = new(new()
    {
        [1] = new("path", ProtoKind.String),
        [2] = new("backend", ProtoKind.Message, IngressBackend),
        [3] = new("pathType", ProtoKind.String),
    });

    /// <summary>IngressRule embeds IngressRuleValue inline in JSON; in protobuf it is field 2 holding {http = 1}.</summary>
    private static readonly ProtoMessage IngressRuleValue = new(new()
    {
        [1] = new("http", ProtoKind.Message, new ProtoMessage(new() { [1] = new("paths", ProtoKind.RepeatedMessage, HttpIngressPath) })),
    });

    public static readonly ProtoMessage Ingress = new(new()
    {
        [1] = new("metadata", ProtoKind.Message, ObjectMeta),
        [2] = new("spec", ProtoKind.Message, new ProtoMessage(new()
        {
            [1] = new("defaultBackend", ProtoKind.Message, IngressBackend),
            [2] = new("tls", ProtoKind.RepeatedMessage, new ProtoMessage(new()
            {
                [1] = new("hosts", ProtoKind.RepeatedString),
                [2] = new("secretName", ProtoKind.String),
            })),
            [3] = new("rules", ProtoKind.RepeatedMessage, new ProtoMessage(new()
            {
                [1] = new("host", ProtoKind.String),
                [2] = new(ProtoDecoder.InlineField, ProtoKind.Message, IngressRuleValue),
            })),
            [4] = new("ingressClassName", ProtoKind.String),
        })),
        [3] = new("status", ProtoKind.Ignored),
    });

    /// <summary>authorization/v1 SelfSubjectAccessReview (what kubectl auth can-i sends); status is the server's.</summary>
    public static readonly ProtoMessage SelfSubjectAccessReview = new(new()
    {
        [1] = new("metadata", ProtoKind.Message, ObjectMeta),
        [2] = new("spec", ProtoKind.Message, new ProtoMessage(new()
        {
            [1] = new("resourceAttributes", ProtoKind.Message, new ProtoMessage(new()
            {
                [1] = new("namespace", ProtoKind.String),
                [2] = new("verb", ProtoKind.String),
                [3] = new("group", ProtoKind.String),
                [4] = new("version", ProtoKind.String),
                [5] = new("resource", ProtoKind.String),
                [6] = new("subresource", ProtoKind.String),
                [7] = new("name", ProtoKind.String),
            })),
            [2] = new("nonResourceAttributes", ProtoKind.Message, new ProtoMessage(new()
            {
                [1] = new("path", ProtoKind.String),
                [2] = new("verb", ProtoKind.String),
            })),
        })),
        [3] = new("status", ProtoKind.Ignored),
    });
}
