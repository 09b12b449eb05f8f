namespace IngressCerts.TestServer.Auth;

/// <summary>An authenticated identity: the name and groups the request runs as.</summary>
public sealed record KubeUser(string Name, IReadOnlyList<string> Groups)
{
    public const string MastersGroup = "system:masters";

    public bool IsAdmin => Groups.Contains(MastersGroup);
}
