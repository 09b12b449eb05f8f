using System.Collections;
using System.Text;
using IngressCerts.Engine.Kubernetes;
using k8s;
using k8s.KubeConfigModels;

namespace IngressCerts.Engine.Tests.Kubernetes;

/// <summary>
/// KubeConfigReader must read every kubeconfig exactly as KubernetesClient's own loader does (the one it replaces):
/// each case is read by both and the two models compared field by field.
/// </summary>
public sealed class KubeConfigReaderTests
{
    private const string Full = """
        apiVersion: v1
        kind: Config
        current-context: prod
        preferences:
          colors: true
          extensions: []
        clusters:
        - name: prod-cluster
          cluster:
            server: https://prod.example:6443
            certificate-authority-data: LS0tLS1CRUdJTg==
            tls-server-name: api.prod.example
            insecure-skip-tls-verify: false
            proxy-url: http://proxy.example:3128
            extensions:
            - name: client.authentication.k8s.io/exec
              extension:
                audience: prod
                nested: {a: [1, 2, {b: c}]}
        - name: dev-cluster
          cluster:
            server: https://dev.example
            certificate-authority: ../ca/dev.crt
            insecure-skip-tls-verify: true
        contexts:
        - name: prod
          context:
            cluster: prod-cluster
            user: prod-user
            namespace: shop
            extensions:
            - name: x
              extension: plain
        - name: dev
          context: {cluster: dev-cluster, user: dev-user}
        users:
        - name: prod-user
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1beta1
              command: kubelogin
              args: [get-token, --server-id, "6dae42f8-4368-4678-94ff-3960e28e3630"]
              env:
              - name: AAD_LOGIN_METHOD
                value: msi
              installHint: |
                install kubelogin
                from the Azure CLI
              provideClusterInfo: true
              interactiveMode: Never
        - name: dev-user
          user:
            client-certificate-data: Y2VydA==
            client-key-data: a2V5
            client-certificate: /etc/dev/client.crt
            client-key: /etc/dev/client.key
            token: "0123"
            tokenFile: /var/run/token
            username: admin
            password: 's3cr:et # not a comment'
            as: impersonated
            as-groups: [system:masters, ops]
            as-user-extra: {reason: audit}
            auth-provider:
              name: oidc
              config:
                client-id: kube
                id-token: abc.def.ghi
            extensions:
            - name: ext
              extension: [1, two]
        extensions:
        - name: top
          extension: ~
        """;

    public static TheoryData<string, string> Cases() => new()
    {
        { "every field", Full },
        { "CRLF line ends", Full.ReplaceLineEndings("\r\n") },
        { "a byte order mark", "\uFEFF" + Full },
        {
            "JSON",
            """
            {"apiVersion":"v1","kind":"Config","current-context":"c","clusters":[{"name":"k","cluster":{"server":"https://k.example","insecure-skip-tls-verify":true}}],
             "contexts":[{"name":"c","context":{"cluster":"k","user":"u","namespace":"ns"}}],"users":[{"name":"u","user":{"token":"t"}}],"preferences":{}}
            """
        },
        {
            "anchors, aliases, comments and block scalars",
            """
            # a comment
            clusters:
            - &one
              name: a
              cluster: {server: 'https://a.example'}   # trailing comment
            - *one
            users:
            - name: u
              user:
                token: >-
                  folded
                  token
                password: "with \"quotes\" and \t tab"
            contexts:
            - name: c
              context:
                cluster: a
                user: u
            current-context: c
            """
        },
        {
            "null and empty values",
            """
            current-context:
            clusters: null
            contexts: ~
            users:
            - name: u
              user:
                token: null
                username: 'null'
                password: ""
                as-groups: []
            preferences: {}
            """
        },
        {
            "booleans spelled as YAML 1.1 allows",
            """
            clusters:
            - {name: a, cluster: {server: 'https://a', insecure-skip-tls-verify: True}}
            - {name: b, cluster: {server: 'https://b', insecure-skip-tls-verify: yes}}
            - {name: c, cluster: {server: 'https://c', insecure-skip-tls-verify: off}}
            - {name: d, cluster: {server: 'https://d', insecure-skip-tls-verify: FALSE}}
            - {name: e, cluster: {server: 'https://e', insecure-skip-tls-verify: "true"}}
            users:
            - {name: u, user: {exec: {command: c, apiVersion: v, provideClusterInfo: on}}}
            """
        },
        {
            "numbers and dates stay text",
            """
            current-context: 2024-01-01
            users:
            - name: 42
              user: {token: 1e3, password: 0x1F, username: 007}
            """
        },
        { "YAML's own tags on text", "current-context: !!str c\nusers:\n- name: !!str u\n  user: {token: t, username: !!int 7}\nclusters:\n- {name: a, cluster: {insecure-skip-tls-verify: !!bool true}}\n" },
        { "an empty boolean", "clusters:\n- name: a\n  cluster: {server: 'https://a', insecure-skip-tls-verify: }\n" },
        { "a namespace beside a context, not in it", "contexts:\n- name: c\n  namespace: beside\n  context: {cluster: k, user: u}\n" },
        {
            "merge keys (<<) from an alias and from a list of aliases",
            """
            defaults: &defaults {server: 'https://shared.example', certificate-authority-data: Q0E=, tls-server-name: shared}
            other: &other {server: 'https://other.example', insecure-skip-tls-verify: true}
            exec: &exec {apiVersion: client.authentication.k8s.io/v1beta1, command: aws, args: [eks, get-token]}
            clusters:
            - name: a
              cluster:
                <<: *defaults
                tls-server-name: own
            - name: b
              cluster: {<<: [*defaults, *other]}
            users:
            - name: u
              user:
                exec:
                  <<: *exec
                  env: [{name: AWS_PROFILE, value: prod}]
            """
        },
        {
            "minikube (extensions on cluster and context), with kind's client certificate user",
            """
            apiVersion: v1
            clusters:
            - cluster:
                certificate-authority: /home/u/.minikube/ca.crt
                extensions:
                - extension:
                    last-update: Mon, 01 Jan 2024 10:00:00 UTC
                    provider: minikube.sigs.k8s.io
                    version: v1.32.0
                  name: cluster_info
                server: https://192.168.49.2:8443
              name: minikube
            contexts:
            - context:
                cluster: minikube
                extensions:
                - extension:
                    last-update: Mon, 01 Jan 2024 10:00:00 UTC
                    provider: minikube.sigs.k8s.io
                    version: v1.32.0
                  name: context_info
                namespace: default
                user: minikube
              name: minikube
            current-context: minikube
            kind: Config
            preferences: {}
            users:
            - name: minikube
              user:
                client-certificate: /home/u/.minikube/profiles/minikube/client.crt
                client-key: /home/u/.minikube/profiles/minikube/client.key
            - name: kind-kind
              user:
                client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=
                client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlF
            """
        },
        {
            "EKS (aws eks update-kubeconfig: env null, then with env), GKE and AKS exec plugins",
            """
            apiVersion: v1
            clusters:
            - cluster: {certificate-authority-data: LS0t, server: https://ABC.gr7.eu-west-1.eks.amazonaws.com}
              name: arn:aws:eks:eu-west-1:123456789012:cluster/prod
            contexts:
            - context: {cluster: 'arn:aws:eks:eu-west-1:123456789012:cluster/prod', user: 'arn:aws:eks:eu-west-1:123456789012:cluster/prod'}
              name: arn:aws:eks:eu-west-1:123456789012:cluster/prod
            current-context: arn:aws:eks:eu-west-1:123456789012:cluster/prod
            kind: Config
            preferences: {}
            users:
            - name: arn:aws:eks:eu-west-1:123456789012:cluster/prod
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1beta1
                  args:
                  - --region
                  - eu-west-1
                  - eks
                  - get-token
                  - --cluster-name
                  - prod
                  - --output
                  - json
                  command: aws
                  env: null
                  interactiveMode: IfAvailable
                  provideClusterInfo: false
            - name: eks-with-profile
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1beta1
                  command: aws
                  args: [eks, get-token, --cluster-name, prod]
                  env:
                  - name: AWS_PROFILE
                    value: prod-admin
                  - name: AWS_STS_REGIONAL_ENDPOINTS
                    value: regional
            - name: gke_proj_europe-west1_prod
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1beta1
                  command: gke-gcloud-auth-plugin
                  installHint: Install gke-gcloud-auth-plugin for use with kubectl by following
                    https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin
                  provideClusterInfo: true
            - name: clusterUser_rg_aks
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1beta1
                  args:
                  - get-token
                  - --environment
                  - AzurePublicCloud
                  - --server-id
                  - 6dae42f8-4368-4678-94ff-3960e28e3630
                  - --login
                  - azurecli
                  command: kubelogin
                  env: null
                  installHint: |2

                    kubelogin is not installed which is required to connect to AAD enabled cluster.
            """
        },
        {
            "OpenShift oc login (token, insecure-skip-tls-verify) and Rancher (a token with a colon, several clusters)",
            """
            apiVersion: v1
            clusters:
            - cluster:
                insecure-skip-tls-verify: true
                server: https://api.crc.testing:6443
              name: api-crc-testing:6443
            - cluster:
                server: "https://rancher.example/k8s/clusters/c-m-abcd1234"
                certificate-authority-data: "LS0tLS1CRUdJTi"
              name: "downstream"
            contexts:
            - context:
                cluster: api-crc-testing:6443
                namespace: default
                user: kubeadmin/api-crc-testing:6443
              name: default/api-crc-testing:6443/kubeadmin
            - name: "downstream"
              context:
                user: "downstream"
                cluster: "downstream"
            current-context: default/api-crc-testing:6443/kubeadmin
            kind: Config
            preferences: {}
            users:
            - name: kubeadmin/api-crc-testing:6443
              user:
                token: sha256~AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde
            - name: "downstream"
              user:
                token: "kubeconfig-user-abc12:xyz0123456789longsecretvalue"
            """
        },
        { "two extension keys the parser tells apart but are the same text (the last wins)", "extensions:\n- name: e\n  extension: {!!str a: 1, a: 2}\npreferences: {!!str a: 1, a: 2}\n" },
        { "an extension key written as ~", "extensions:\n- name: e\n  extension: {~: 1}\npreferences: {~: x}\n" },
        { "unknown keys only", "foo: bar\nclusters: []\nzz: {a: 1}\n" },
        { "only comments", "# nothing here\n" },
        { "empty", "" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reads_what_the_library_reads(string name, string yaml)
    {
        var expected = LibraryRead(yaml);
        var actual = KubeConfigReader.Read(yaml);

        string want = Dump(expected), got = Dump(actual);
        int at = Enumerable.Range(0, Math.Min(want.Length, got.Length)).FirstOrDefault(i => want[i] != got[i], Math.Min(want.Length, got.Length));
        Assert.True(want == got, $"{name}: from {at}\nlibrary: {want[Math.Max(0, at - 80)..]}\nreader:  {got[Math.Max(0, at - 80)..]}");
    }

    public static TheoryData<string, string> Refused() => new()
    {
        { "not YAML", "clusters: [\n  - {name: a\n" },
        { "a scalar document", "just some text\n" },
        { "a list document", "- a\n- b\n" },
        { "clusters as a mapping", "clusters: {name: a}\n" },
        { "a cluster as a scalar", "clusters:\n- a\n" },
        { "server as a list", "clusters:\n- name: a\n  cluster: {server: [x]}\n" },
        { "a boolean that is not one", "clusters:\n- name: a\n  cluster: {insecure-skip-tls-verify: maybe}\n" },
        { "auth-provider config with a list value", "users:\n- name: u\n  user: {auth-provider: {name: x, config: {a: [1]}}}\n" },
        { "a tab where YAML allows none", "clusters:\n\t- name: a\n" },
        { "a key that is a list", "? [a, b]\n: c\nclusters: []\n" },
        { "a second document", "current-context: first\n---\ncurrent-context: second\n" },
        { "a password that YAML reads as a tag on an empty value", "users:\n- name: u\n  user:\n    password: !x9Secret\n" },
        { "a token tagged as binary", "users:\n- name: u\n  user: {token: !!binary aGVsbG8=}\n" },
        { "a value tagged !!null", "users:\n- name: u\n  user: {password: !!null x}\n" },
        { "a boolean with a foreign tag", "clusters:\n- name: a\n  cluster: {insecure-skip-tls-verify: !x true}\n" },
        { "an extension key that is empty", "extensions:\n- name: e\n  extension: {? : 1}\n" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Refuses_what_the_library_refuses(string name, string yaml)
    {
        Assert.ThrowsAny<Exception>(() => LibraryRead(yaml));
        var error = Assert.Throws<KubeConfigFormatException>(() => KubeConfigReader.Read(yaml));
        Assert.Matches(@"^line \d+, column \d+: ", error.Message);
        Assert.False(string.IsNullOrWhiteSpace(name));
    }

    [Fact]
    public void A_refusal_names_the_line_but_never_a_value()
    {
        var error = Assert.Throws<KubeConfigFormatException>(() => KubeConfigReader.Read("users:\n- name: u\n  user:\n    token: [s3cret-token-value]\n"));

        Assert.Equal("line 4, column 12: 'token' must be a single value", error.Message);
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("users:\n- name: u\n  user:\n    password: *s3cret-Pa55\n")]
    [InlineData("users:\n- name: u\n  user: {token: *s3cret-Pa55}\n")]
    [InlineData("users:\n- name: u\n  user:\n    auth-provider:\n      name: oidc\n      config: {client-secret: *s3cret-Pa55}\n")]
    public void An_unquoted_secret_that_reads_as_an_alias_is_not_quoted_back(string yaml)
    {
        // A password starting with '*' is an alias to YAML; YamlDotNet's refusal named it ("The anchor '...' does not
        // exists"), and the message goes into the error record.
        var error = Assert.Throws<KubeConfigFormatException>(() => KubeConfigReader.Read(yaml));

        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
        Assert.Contains("names no anchor", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_duplicate_key_is_refused_as_kubectl_refuses_it()
    {
        // KubernetesClient's deserializer lets the last one win; kubectl (sigs.k8s.io/yaml) refuses the file, and so
        // does this reader: which of two tokens was meant is not for a tool to guess.
        var error = Assert.Throws<KubeConfigFormatException>(() => KubeConfigReader.Read("current-context: a\ncurrent-context: b\n"));

        Assert.StartsWith("line 2, column 1: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Aliases_that_expand_to_a_billion_values_are_refused_at_once()
    {
        // Nine lines; YamlDotNet shares the aliased lists, but reading an extension copied each one where it was named:
        // 10^9 values, a reader that never came back.
        var yaml = new StringBuilder("extensions:\n- name: bomb\n  extension:\n    l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < 9; i++)
        {
            yaml.Append($"    l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))}]\n");
        }

        var error = await Task.Run(() => Assert.Throws<KubeConfigFormatException>(() => KubeConfigReader.Read(yaml.ToString())))
            .WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Matches(@"^line \d+, column \d+: the document's aliases expand to more than \d+ values$", error.Message);
    }

    [Theory]
    [InlineData("extensions:\n- name: e\n  extension: ", "[", "]")]
    [InlineData("extensions:\n- name: e\n  extension: ", "{a: ", "}")]
    [InlineData("users:\n", "- ", "")]
    public void Values_nested_past_any_kubeconfig_are_refused_instead_of_overflowing_the_stack(string lead, string open, string close)
    {
        // 100,000 levels: YamlDotNet's node tree is built recursively, and this overflowed the stack, which ends the
        // process (no exception to catch). The parser's events are counted instead.
        const int depth = 100_000;
        var yaml = lead + string.Concat(Enumerable.Repeat(open, depth)) + "x" + string.Concat(Enumerable.Repeat(close, depth)) + "\n";

        var error = Assert.Throws<KubeConfigFormatException>(() => KubeConfigReader.Read(yaml));

        Assert.EndsWith("values nest deeper than 100 levels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mapping_s_own_key_wins_over_a_merged_one_wherever_it_is_written()
    {
        // YAML's merge rule, and kubectl's (go-yaml): the mapping's own keys win. The library's deserializer lets
        // whichever comes later win, so a tls-server-name written before "<<" was replaced by the merged one.
        var config = KubeConfigReader.Read("""
            base: &base {server: 'https://shared.example', tls-server-name: shared}
            clusters:
            - name: a
              cluster:
                tls-server-name: own
                <<: *base
            """);

        var endpoint = Assert.Single(config!.Clusters!).ClusterEndpoint;
        Assert.Equal("own", endpoint.TlsServerName);
        Assert.Equal("https://shared.example", endpoint.Server);
    }

    private static K8SConfiguration? LibraryRead(string yaml) =>
        KubernetesClientConfiguration.LoadKubeConfig(new MemoryStream(Encoding.UTF8.GetBytes(yaml)));

    // Every public property, recursively, in a stable order: two models dump equal when every field is equal.
    private static string Dump(object? value)
    {
        var text = new StringBuilder();
        Write(value, text);
        return text.ToString();
    }

    private static void Write(object? value, StringBuilder text)
    {
        switch (value)
        {
            case null:
                text.Append("null");
                break;
            case string s:
                text.Append('"').Append(s.Replace("\"", "\\\"")).Append('"');
                break;
            // Untyped values (extensions, preferences): the library makes numbers and booleans of unquoted ones, the
            // reader keeps their text; nothing reads them, so they are compared as text.
            case bool flag:
                text.Append('"').Append(flag ? "true" : "false").Append('"');
                break;
            case IConvertible number and not string:
                text.Append('"').Append(Convert.ToString(number, System.Globalization.CultureInfo.InvariantCulture)).Append('"');
                break;
            case IDictionary map:
                text.Append('{');
                foreach (var key in map.Keys.Cast<object>().OrderBy(k => k.ToString(), StringComparer.Ordinal))
                {
                    Write(key, text);
                    text.Append(':');
                    Write(map[key], text);
                    text.Append(',');
                }

                text.Append('}');
                break;
            case IEnumerable items:
                text.Append('[');
                foreach (var item in items)
                {
                    Write(item, text);
                    text.Append(',');
                }

                text.Append(']');
                break;
            default:
                text.Append(value.GetType().Name).Append('{');
                foreach (var property in value.GetType().GetProperties().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    text.Append(property.Name).Append('=');
                    Write(property.GetValue(value), text);
                    text.Append(',');
                }

                text.Append('}');
                break;
        }
    }
}
