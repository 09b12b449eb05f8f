namespace IngressCerts.TestServer.Api;

/// <summary>The Status errors of one resource, named the way the real server names them.</summary>
internal static class ResourceErrors
{
    public static KubeApiException NotFound(this ResourceType type, string name) =>
        Status.NotFound(type.QualifiedResource, type.Group, type.Resource, name);

    public static KubeApiException AlreadyExists(this ResourceType type, string name) =>
        Status.AlreadyExists(type.QualifiedResource, type.Group, type.Resource, name);

    /// <summary>Stale resourceVersion on update/patch (reference 12).</summary>
    public static KubeApiException Modified(this ResourceType type, string name) =>
        Status.Conflict(type.QualifiedResource, type.Group, type.Resource, name, Status.ModifiedMessage);

    public static KubeApiException UidMismatch(this ResourceType type, string name, string sent, string stored) =>
        Status.Conflict(type.QualifiedResource, type.Group, type.Resource, name,
            $"Precondition failed: UID in precondition: {sent}, UID in object meta: {stored}");

    /// <summary>
    /// Delete preconditions are checked in rest.BeforeDelete against GroupResource{Group: kind group, Resource: Kind},
    /// hence "Operation cannot be fulfilled on Secret" (reference 33).
    /// </summary>
    public static KubeApiException PreconditionFailed(this ResourceType type, string name, string why)
    {
        var qualified = type.KindGroup.Length == 0 ? type.Kind : $"{type.Kind}.{type.KindGroup}";
        return Status.Conflict(qualified, type.KindGroup, type.Kind, name, why);
    }

    public static KubeApiException Invalid(this ResourceType type, string name, IReadOnlyList<FieldError> errors) =>
        Status.Invalid(type.KindGroup, type.Kind, name, errors);
}
