namespace IngressCerts.TestServer.Operations;

/// <summary>A JSON answer: status code and body bytes.</summary>
internal sealed record Answer(int StatusCode, byte[] Body);

/// <summary>Who writes and how: the managedFields manager, dry run, forced apply.</summary>
internal sealed record WriteContext(string Manager, bool ManagerGiven, bool DryRun, bool Force = false);
