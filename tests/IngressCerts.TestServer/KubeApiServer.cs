using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using IngressCerts.TestServer.Api;
using IngressCerts.TestServer.Auth;
using IngressCerts.TestServer.Faults;
using IngressCerts.TestServer.Http;
using IngressCerts.TestServer.Logging;
using IngressCerts.TestServer.Operations;
using IngressCerts.TestServer.Pki;
using IngressCerts.TestServer.Seeding;
using IngressCerts.TestServer.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace IngressCerts.TestServer;

/// <summary>
/// An in-process Kubernetes API server for tests: HTTPS on 127.0.0.1 with its own CA, token and
/// client-certificate authentication, RBAC-like rules, discovery, and namespaces, secrets,
/// ingresses, gateways and referencegrants answered as a v1.24 kube-apiserver answers them.
/// </summary>
public sealed class KubeApiServer : IAsyncDisposable
{
    /// <summary>Name of the built-in admin user (group system:masters).</summary>
    public const string AdminUserName = "admin";

    private static readonly string[] DefaultNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    private readonly WebApplication _app;
    private readonly ServerPki _pki;
    private readonly UserRegistry _users;
    private readonly ObjectStore _store;
    private readonly ObjectSeeder _seeder;
    private readonly FleetSeeder _fleet;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _compaction;

    private KubeApiServer(WebApplication app, ServerPki pki, UserRegistry users, ObjectStore store, ObjectSeeder seeder,
        FleetSeeder fleet, string adminToken, FaultInjector faults, RequestLog log, Uri baseAddress, TimeSpan? compactionInterval)
    {
        _app = app;
        _pki = pki;
        _users = users;
        _store = store;
        _seeder = seeder;
        _fleet = fleet;
        AdminToken = adminToken;
        Faults = faults;
        RequestLog = log;
        BaseAddress = baseAddress;
        CaCertificate = X509CertificateLoader.LoadCertificate(pki.CaCertificate.RawData);
        _compaction = compactionInterval is { } interval ? CompactPeriodicallyAsync(interval, _stopping.Token) : Task.CompletedTask;
    }

    /// <summary>https://127.0.0.1:PORT/</summary>
    public Uri BaseAddress { get; }

    /// <summary>The server's CA certificate (public part): it signed the serving and client certificates.</summary>
    public X509Certificate2 CaCertificate { get; }

    public string CaCertificatePem => _pki.CaCertificatePem;

    /// <summary>Bearer token of <see cref="AdminUserName"/> (system:masters).</summary>
    public string AdminToken { get; }

    /// <summary>Faults for the next matching requests.</summary>
    public FaultInjector Faults { get; }

    /// <summary>Every request answered, with user and status.</summary>
    public RequestLog RequestLog { get; }

    /// <summary>The store's current revision (the resourceVersion a list would report now).</summary>
    public long CurrentResourceVersion => _store.Revision;

    public static async Task<KubeApiServer> StartAsync(KubeApiServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new KubeApiServerOptions();
        var time = options.TimeProvider;
        var started = time.GetUtcNow();
        var pki = new ServerPki(time);
        var users = new UserRegistry();
        var adminToken = options.AdminToken ?? RandomToken();
        users.Add(new KubeUser(AdminUserName, [KubeUser.MastersGroup]), adminToken, [AccessRule.Everything]);
        var catalog = new ResourceCatalog(options.ServeGatewayApi, options.ServeOtherKinds, options.IstioGatewayVersions);
        var store = new ObjectStore();
        var clock = new SystemClock(time);
        var seeder = new ObjectSeeder(store, catalog, clock);
        var namespaceDefaults = options.ModelNamespaceDefaults ? new NamespaceDefaults(store, clock, pki.CaCertificatePem) : null;
        store.Locked(() =>
        {
            foreach (var name in DefaultNamespaces)
            {
                seeder.EnsureNamespace(name, clock.Now());
                namespaceDefaults?.Populate(name);
            }
        });
        var faults = new FaultInjector();
        var log = new RequestLog();

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(KubeApiServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseKestrelCore();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = pki.ServerCertificate,
                    // Ask for a client certificate but let token users in without one; the CA check is ours.
                    ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                    ClientCertificateValidation = (_, _, _) => true,
                });
            });
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();
        // The pipeline needs the port (discovery advertises it), known only once Kestrel listens.
        ApiPipeline? pipeline = null;
        app.Run(context => pipeline!.HandleAsync(context));
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var baseAddress = new Uri(address.TrimEnd('/') + "/");
        var discovery = new Discovery(catalog, $"{baseAddress.Host}:{baseAddress.Port}", started, options.ServeAccessReviews);
        var namespaces = new NamespaceLifecycle(store, clock, options.NamespaceFinalizationDelay);
        var authorizer = new Authorizer(users, options.BindBasicUserRole);
        var reviews = options.ServeAccessReviews ? new SelfSubjectAccessReviews(authorizer, clock) : null;
        pipeline = new ApiPipeline(catalog, discovery, new Authenticator(users, pki), authorizer, reviews,
            new ObjectReader(store, new TablePrinter(time)), new ObjectWriter(store, namespaces, clock, namespaceDefaults), faults, log, time,
            app.Lifetime.ApplicationStopping);
        return new KubeApiServer(app, pki, users, store, seeder, new FleetSeeder(store, seeder, clock), adminToken, faults, log, baseAddress, options.CompactionInterval);
    }

    /// <summary>Adds a user with a bearer token; without rules every resource request is forbidden.</summary>
    public KubeUser AddUser(string name, string? token, params AccessRule[] rules) => AddUser(name, token, [], rules);

    /// <summary>Adds a user with groups (system:masters makes it an admin); the token may be null for certificate-only users.</summary>
    public KubeUser AddUser(string name, string? token, IEnumerable<string> groups, params AccessRule[] rules)
    {
        var user = new KubeUser(name, groups.ToArray());
        _users.Add(user, token, rules);
        return user;
    }

    /// <summary>A client certificate signed by the server CA: CN = user name, O = groups.</summary>
    public ClientCertificate IssueClientCertificate(string userName, params string[] groups) =>
        _pki.IssueClientCertificate(userName, groups);

    /// <summary>Writes a kubeconfig for a token user (the admin when <paramref name="userName"/> is null).</summary>
    public void WriteKubeconfig(string path, string? userName = null)
    {
        var name = userName ?? AdminUserName;
        var token = _users.TokenOf(name) ?? throw new ArgumentException($"user {name} has no token; add it with AddUser or use a client certificate");
        KubeconfigWriter.Write(path, BaseAddress, CaCertificatePem, name, token, null);
    }

    /// <summary>Writes a kubeconfig that authenticates with a client certificate.</summary>
    public void WriteKubeconfig(string path, ClientCertificate certificate) =>
        KubeconfigWriter.Write(path, BaseAddress, CaCertificatePem, certificate.UserName, null, certificate);

    /// <summary>
    /// Inserts objects directly (no HTTP): apiVersion/kind pick the resource, kind: List is expanded,
    /// missing namespaces are created. Returns how many objects were stored.
    /// </summary>
    public int Seed(IEnumerable<JsonObject> objects) => _seeder.Seed(objects);

    /// <summary>Seeds namespaces of Ingresses with their TLS Secrets (1,000 × 10 by default).</summary>
    public int SeedIngressFleet(BulkSeedOptions? options = null) => _fleet.Seed(options ?? new BulkSeedOptions());

    /// <summary>Compacts history as etcd does: every continue token issued so far answers 410 Expired.</summary>
    public void CompactHistory() => _store.Compact();

    public async Task StopAsync()
    {
        if (_stopping.IsCancellationRequested) return;
        _stopping.Cancel();
        await _compaction;
        await _app.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
        _pki.Dispose();
        CaCertificate.Dispose();
        _stopping.Dispose();
    }

    private async Task CompactPeriodicallyAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        var previous = _store.Revision;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                _store.CompactAt(previous);
                previous = _store.Revision;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static string RandomToken() => Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
}
