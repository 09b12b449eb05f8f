using System.Text.RegularExpressions;
using k8s.KubeConfigModels;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace IngressCerts.Engine.Kubernetes;

/// <summary>
/// Reads a kubeconfig file into KubernetesClient's <see cref="K8SConfiguration"/> from YamlDotNet's node tree, filling
/// the same fields with the same values as <c>KubernetesClientConfiguration.LoadKubeConfig</c>. That loader goes
/// through YamlDotNet's reflection-based deserializer, whose first use in a process costs 0.3-0.8 s of CPU (type
/// inspectors, attribute overrides, converters): every runbook, which starts a fresh process, paid it before its
/// first request. The node tree costs about a tenth of that. Keys the model does not know are ignored, as the
/// library ignores them.
/// </summary>
public static class KubeConfigReader
{
    /// <summary>The configuration in <paramref name="text"/>; null when it holds no YAML document (an empty file).</summary>
    /// <exception cref="KubeConfigFormatException">The text is not YAML, or a field has the wrong shape.</exception>
    public static K8SConfiguration? Read(string text)
    {
        var stream = new YamlStream();
        try
        {
            // File.ReadAllText drops a byte order mark; text from elsewhere may still start with one.
            stream.Load(new DepthLimitedParser(new Parser(new StringReader(text.StartsWith('\uFEFF') ? text[1..] : text))));
        }
        catch (AnchorNotFoundException ex)
        {
            // YamlDotNet's message quotes the alias, and an unquoted token or password that starts with '*' is one.
            throw new KubeConfigFormatException($"{Where(ex.Start)}: a value starting with '*' names no anchor (an alias); quote it if it is text");
        }
        catch (YamlException ex)
        {
            throw new KubeConfigFormatException($"{Where(ex.Start)}: {FirstLine(ex.Message)}");
        }

        if (stream.Documents.Count > 1)
        {
            throw new KubeConfigFormatException($"{Where(stream.Documents[1].RootNode.Start)}: a kubeconfig holds one YAML document, this file more");
        }

        if (stream.Documents.Count == 0 || IsNull(stream.Documents[0].RootNode))
        {
            return null;
        }

        var root = Mapping(stream.Documents[0].RootNode, "the document");
        CheckSize(root);
        var config = new K8SConfiguration();
        foreach (var (key, value) in Entries(root))
        {
            switch (key)
            {
                case "apiVersion": config.ApiVersion = String(value, key); break;
                case "kind": config.Kind = String(value, key); break;
                case "current-context": config.CurrentContext = String(value, key); break;
                case "preferences": config.Preferences = NullOr(value, v => (IDictionary<string, object>)StringKeyed(v, key)); break;
                case "contexts": config.Contexts = NullOr(value, v => List(v, key, ReadContext)); break;
                case "clusters": config.Clusters = NullOr(value, v => List(v, key, ReadCluster)); break;
                case "users": config.Users = NullOr(value, v => List(v, key, ReadUser)); break;
                case "extensions": config.Extensions = NullOr(value, v => List(v, key, ReadExtension)); break;
            }
        }

        return config;
    }

    private static Context ReadContext(YamlNode node)
    {
        var context = new Context();
        foreach (var (key, value) in Entries(Mapping(node, "a context")))
        {
            switch (key)
            {
                case "name": context.Name = String(value, key); break;
#pragma warning disable CS0618 // Obsolete in the model, yet the library's loader still fills it: so does this one.
                case "namespace": context.Namespace = String(value, key); break;
#pragma warning restore CS0618
                case "extensions": context.Extensions = NullOr(value, v => List(v, key, ReadExtension)); break;
                case "context": context.ContextDetails = NullOr(value, ReadContextDetails); break;
            }
        }

        return context;
    }

    private static ContextDetails ReadContextDetails(YamlNode node)
    {
        var details = new ContextDetails();
        foreach (var (key, value) in Entries(Mapping(node, "context")))
        {
            switch (key)
            {
                case "cluster": details.Cluster = String(value, key); break;
                case "user": details.User = String(value, key); break;
                case "namespace": details.Namespace = String(value, key); break;
                case "extensions": details.Extensions = NullOr(value, v => List(v, key, ReadExtension)); break;
            }
        }

        return details;
    }

    private static Cluster ReadCluster(YamlNode node)
    {
        var cluster = new Cluster();
        foreach (var (key, value) in Entries(Mapping(node, "a cluster")))
        {
            switch (key)
            {
                case "name": cluster.Name = String(value, key); break;
                case "cluster": cluster.ClusterEndpoint = NullOr(value, ReadClusterEndpoint); break;
            }
        }

        return cluster;
    }

    private static ClusterEndpoint ReadClusterEndpoint(YamlNode node)
    {
        var endpoint = new ClusterEndpoint();
        foreach (var (key, value) in Entries(Mapping(node, "cluster")))
        {
            switch (key)
            {
                case "certificate-authority": endpoint.CertificateAuthority = String(value, key); break;
                case "certificate-authority-data": endpoint.CertificateAuthorityData = String(value, key); break;
                case "server": endpoint.Server = String(value, key); break;
                case "tls-server-name": endpoint.TlsServerName = String(value, key); break;
                case "insecure-skip-tls-verify": endpoint.SkipTlsVerify = Boolean(value, key); break;
                case "extensions": endpoint.Extensions = NullOr(value, v => List(v, key, ReadExtension)); break;
            }
        }

        return endpoint;
    }

    private static User ReadUser(YamlNode node)
    {
        var user = new User();
        foreach (var (key, value) in Entries(Mapping(node, "a user")))
        {
            switch (key)
            {
                case "name": user.Name = String(value, key); break;
                case "user": user.UserCredentials = NullOr(value, ReadCredentials); break;
            }
        }

        return user;
    }

    private static UserCredentials ReadCredentials(YamlNode node)
    {
        var credentials = new UserCredentials();
        foreach (var (key, value) in Entries(Mapping(node, "user")))
        {
            switch (key)
            {
                case "client-certificate-data": credentials.ClientCertificateData = String(value, key); break;
                case "client-certificate": credentials.ClientCertificate = String(value, key); break;
                case "client-key-data": credentials.ClientKeyData = String(value, key); break;
                case "client-key": credentials.ClientKey = String(value, key); break;
                case "token": credentials.Token = String(value, key); break;
                case "as": credentials.Impersonate = String(value, key); break;
                case "as-groups": credentials.ImpersonateGroups = NullOr(value, v => List(v, key, item => String(item, key))); break;
                case "as-user-extra": credentials.ImpersonateUserExtra = NullOr(value, v => StringMap(v, key)); break;
                case "username": credentials.UserName = String(value, key); break;
                case "password": credentials.Password = String(value, key); break;
                case "auth-provider": credentials.AuthProvider = NullOr(value, ReadAuthProvider); break;
                case "extensions": credentials.Extensions = NullOr(value, v => List(v, key, ReadExtension)); break;
                case "exec": credentials.ExternalExecution = NullOr(value, ReadExec); break;
            }
        }

        return credentials;
    }

    private static AuthProvider ReadAuthProvider(YamlNode node)
    {
        var provider = new AuthProvider();
        foreach (var (key, value) in Entries(Mapping(node, "auth-provider")))
        {
            switch (key)
            {
                case "name": provider.Name = String(value, key); break;
                case "config": provider.Config = NullOr(value, v => StringMap(v, key)); break;
            }
        }

        return provider;
    }

    private static ExternalExecution ReadExec(YamlNode node)
    {
        var exec = new ExternalExecution();
        foreach (var (key, value) in Entries(Mapping(node, "exec")))
        {
            switch (key)
            {
                case "apiVersion": exec.ApiVersion = String(value, key); break;
                case "command": exec.Command = String(value, key); break;
                case "env": exec.EnvironmentVariables = NullOr(value, v => List(v, key, item => StringMap(item, key))); break;
                case "args": exec.Arguments = NullOr(value, v => List(v, key, item => String(item, key))); break;
                case "installHint": exec.InstallHint = String(value, key); break;
                case "provideClusterInfo": exec.ProvideClusterInfo = Boolean(value, key); break;
            }
        }

        return exec;
    }

    private static NamedExtension ReadExtension(YamlNode node)
    {
        var extension = new NamedExtension();
        foreach (var (key, value) in Entries(Mapping(node, "an extension")))
        {
            switch (key)
            {
                case "name": extension.Name = String(value, key); break;
                case "extension": extension.Extension = Untyped(value); break;
            }
        }

        return extension;
    }

    // ---- Shapes, with YamlDotNet's deserializer's rules for them ----

    private static IEnumerable<(string Key, YamlNode Value)> Entries(YamlMappingNode mapping)
    {
        foreach (var entry in Merged(mapping))
        {
            // The library's deserializer refuses a key that is not a single value (a list or a mapping as a key).
            var key = entry.Key as YamlScalarNode ?? throw Shape(entry.Key, "a key must be a single value");
            yield return (key.Value ?? string.Empty, entry.Value);
        }
    }

    /// <summary>
    /// The entries of <paramref name="mapping"/> with YAML merge keys resolved, as the library's deserializer (and
    /// kubectl's) resolves them: <c>&lt;&lt;: *base</c> or <c>&lt;&lt;: [*a, *b]</c> adds the entries of the mappings
    /// named that the mapping does not set itself (an earlier one in a list wins). Without this a cluster written as
    /// <c>{&lt;&lt;: *defaults, name: x}</c> lost its server and CA.
    /// </summary>
    private static IEnumerable<KeyValuePair<YamlNode, YamlNode>> Merged(YamlMappingNode mapping)
    {
        if (!mapping.Children.Keys.Any(IsMergeKey))
        {
            return mapping.Children;
        }

        var own = mapping.Children.Where(e => !IsMergeKey(e.Key)).ToList();
        var seen = own.Select(e => e.Key).OfType<YamlScalarNode>().Select(k => k.Value ?? string.Empty).ToHashSet(StringComparer.Ordinal);
        var result = new List<KeyValuePair<YamlNode, YamlNode>>();
        foreach (var entry in mapping.Children)
        {
            if (!IsMergeKey(entry.Key))
            {
                result.Add(entry);
                continue;
            }

            var sources = entry.Value is YamlSequenceNode list ? list.Children : (IEnumerable<YamlNode>)[entry.Value];
            foreach (var source in sources)
            {
                foreach (var merged in Merged(source as YamlMappingNode ?? throw Shape(source, "a merge key (<<) must name mappings")))
                {
                    if (merged.Key is not YamlScalarNode name || seen.Add(name.Value ?? string.Empty))
                    {
                        result.Add(merged);
                    }
                }
            }
        }

        return result;
    }

    private static bool IsMergeKey(YamlNode key) =>
        key is YamlScalarNode { Value: "<<", Style: ScalarStyle.Plain or ScalarStyle.Any } scalar && (scalar.Tag.IsEmpty || scalar.Tag.Value == "tag:yaml.org,2002:merge");

    /// <summary>
    /// Refuses a document whose aliases expand to more values than any kubeconfig holds, before anything walks it: YamlDotNet shares an aliased node instead of copying it, but reading an
    /// extension copies it each time it is named, so nine lines of nested aliases (a "billion laughs") hung the reader.
    /// </summary>
    private static void CheckSize(YamlNode root)
    {
        var sizes = new Dictionary<YamlNode, long>(ReferenceEqualityComparer.Instance);
        if (Size(root, sizes) > MaxValues)
        {
            throw Shape(root, $"the document's aliases expand to more than {MaxValues} values");
        }
    }

    private const long MaxValues = 1_000_000;

    // The number of values the node expands to (saturating above MaxValues); each distinct node is counted once.
    private static long Size(YamlNode node, Dictionary<YamlNode, long> sizes)
    {
        if (sizes.TryGetValue(node, out var known))
        {
            // -1: still being counted, so the node contains itself through an alias.
            return known >= 0 ? known : throw Shape(node, "an alias refers to a value that contains it");
        }

        sizes[node] = -1;
        long size = 1;
        IEnumerable<YamlNode> children = node switch
        {
            YamlSequenceNode sequence => sequence.Children,
            YamlMappingNode mapping => mapping.Children.SelectMany(e => new[] { e.Key, e.Value }),
            _ => [],
        };
        foreach (var child in children)
        {
            size = Math.Min(size + Size(child, sizes), MaxValues + 1);
        }

        return sizes[node] = size;
    }

    private static YamlMappingNode Mapping(YamlNode node, string what) =>
        node as YamlMappingNode ?? throw Shape(node, $"{what} must be a mapping");

    private static T? NullOr<T>(YamlNode node, Func<YamlNode, T> read) where T : class =>
        IsNull(node) ? null : read(node);

    private static List<T> List<T>(YamlNode node, string key, Func<YamlNode, T> read)
    {
        var sequence = node as YamlSequenceNode ?? throw Shape(node, $"'{key}' must be a list");
        var items = new List<T>(sequence.Children.Count);
        foreach (var item in sequence.Children)
        {
            items.Add(read(item));
        }

        return items;
    }

    private static Dictionary<string, string> StringMap(YamlNode node, string key)
    {
        var mapping = node as YamlMappingNode ?? throw Shape(node, $"'{key}' must be a mapping of strings");
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in Merged(mapping))
        {
            var name = entry.Key as YamlScalarNode ?? throw Shape(entry.Key, $"the keys of '{key}' must be strings");
            map[name.Value ?? string.Empty] = String(entry.Value, key)!;
        }

        return map;
    }

    private static Dictionary<string, object> StringKeyed(YamlNode node, string key)
    {
        var mapping = node as YamlMappingNode ?? throw Shape(node, $"'{key}' must be a mapping");
        var map = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var entry in Merged(mapping))
        {
            var name = entry.Key as YamlScalarNode ?? throw Shape(entry.Key, $"the keys of '{key}' must be strings");
            map[name.Value ?? string.Empty] = Untyped(entry.Value)!;
        }

        return map;
    }

    // A key of an untyped mapping: its text as written (the library's "~" key is "~", not null), the last of two equal
    // keys wins as in the library (YamlDotNet lets "a" and "!!str a" both through); an empty key is refused, as there.
    private static Dictionary<object, object?> UntypedMapping(YamlMappingNode mapping)
    {
        var map = new Dictionary<object, object?>();
        foreach (var entry in Merged(mapping))
        {
            object key = entry.Key is YamlScalarNode scalar
                ? (scalar.Value is { Length: > 0 } text ? text : throw Shape(entry.Key, "a key must not be empty"))
                : Untyped(entry.Key)!;
            map[key] = Untyped(entry.Value);
        }

        return map;
    }

    // A node typed object (extensions, preferences): dictionaries, lists and text. The library's deserializer also
    // turns unquoted scalars into numbers and booleans there; nothing here or in the library reads these values, so
    // they stay as written.
    private static object? Untyped(YamlNode node) => node switch
    {
        _ when IsNull(node) => null,
        YamlScalarNode scalar => scalar.Value,
        YamlSequenceNode sequence => sequence.Children.Select(Untyped).ToList(),
        YamlMappingNode mapping => UntypedMapping(mapping),
        _ => throw Shape(node, "unexpected node"),
    };

    private static string? String(YamlNode node, string key)
    {
        if (IsNull(node))
        {
            return null;
        }

        return node is YamlScalarNode scalar ? Untagged(scalar, key).Value : throw Shape(node, $"'{key}' must be a single value");
    }

    // !!str, !!int, !!float and !!bool are read as the text they tag, as the library reads them; any other tag is
    // refused, as there (without naming it): an unquoted password such as "!x9Secret" is a tag on an empty value to
    // YAML, which was read as the password "".
    private static YamlScalarNode Untagged(YamlScalarNode scalar, string key) =>
        scalar.Tag.IsEmpty || scalar.Tag.Value is "tag:yaml.org,2002:str" or "tag:yaml.org,2002:int" or "tag:yaml.org,2002:float" or "tag:yaml.org,2002:bool"
            ? scalar
            : throw Shape(scalar, $"'{key}' has a YAML tag (a value starting with '!'); quote it if it is text");

    private static bool Boolean(YamlNode node, string key)
    {
        if (IsNull(node))
        {
            return false;
        }

        if (node is YamlScalarNode scalar && Untagged(scalar, key).Value is { } value)
        {
            if (TrueValues.IsMatch(value))
            {
                return true;
            }

            if (FalseValues.IsMatch(value))
            {
                return false;
            }
        }

        throw Shape(node, $"'{key}' must be true or false");
    }

    private static readonly Regex TrueValues = new("^(true|y|yes|on)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    private static readonly Regex FalseValues = new("^(false|n|no|off)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    // A plain empty scalar, ~ or null (in any of YAML's spellings) is null; quoted, it is the string.
    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } scalar
        && scalar.Tag.IsEmpty
        && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    private static KubeConfigFormatException Shape(YamlNode node, string problem) =>
        new($"{Where(node.Start)}: {problem}");

    private static string Where(Mark mark) => $"line {mark.Line}, column {mark.Column}";

    private static string FirstLine(string message)
    {
        // YamlDotNet prefixes its own position, which Where already gives.
        var text = message.Split('\n')[0].Trim();
        var close = text.IndexOf("): ", StringComparison.Ordinal);
        return text.StartsWith('(') && close > 0 ? text[(close + 3)..] : text;
    }
}

/// <summary>
/// Refuses values nested deeper than <see cref="MaxDepth"/> while the file is parsed: YamlDotNet builds its node tree
/// recursively, and a few hundred kilobytes of "[[[[..." overflowed the stack, which ends the process (PowerShell and
/// all), with no error to catch. YamlDotNet's own parser is iterative, so counting its events is safe.
/// </summary>
internal sealed class DepthLimitedParser(IParser parser) : IParser
{
    internal const int MaxDepth = 100;
    private int depth;

    public ParsingEvent? Current => parser.Current;

    public bool MoveNext()
    {
        if (!parser.MoveNext())
        {
            return false;
        }

        if (parser.Current is MappingStart or SequenceStart && ++depth > MaxDepth)
        {
            throw new YamlException(parser.Current.Start, parser.Current.End, $"values nest deeper than {MaxDepth} levels");
        }

        if (parser.Current is MappingEnd or SequenceEnd)
        {
            depth--;
        }

        return true;
    }
}

/// <summary>A kubeconfig that is not YAML, or whose fields have the wrong shape; the message names the line, never a value.</summary>
public sealed class KubeConfigFormatException(string message) : Exception(message);
