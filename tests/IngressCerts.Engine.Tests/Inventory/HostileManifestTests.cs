using System.Text;
using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Tests.Support;

namespace IngressCerts.Engine.Tests.Inventory;

/// <summary>
/// Files built to crash or exhaust the reader (each made here, small): every one is an error naming the file and a
/// line, in this process, quickly. A stack overflow would end the test host rather than fail a test.
/// </summary>
public sealed class HostileManifestTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ic-hostile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static ManifestError AssertRefused(string file, string because, ManifestReadOptions? options = null)
    {
        var (objects, error) = ManifestReader.ReadFile(file, options);
        Assert.Empty(objects);
        Assert.NotNull(error);
        Assert.Equal(file, error!.File);
        Assert.Contains(because, error.Message);
        Assert.Matches("line [0-9]+", error.Message);
        return error;
    }

    /// <summary>The classic YAML "billion laughs": 9 levels of 9 aliases each, 9^9 strings if expanded.</summary>
    internal static string BillionLaughs()
    {
        var yaml = new StringBuilder("apiVersion: v1\nkind: Secret\nmetadata: {name: lol}\n");
        yaml.Append("a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (int level = 1; level <= 8; level++)
        {
            string alias = $"*a{level - 1}";
            yaml.Append($"a{level}: &a{level} [{string.Join(",", Enumerable.Repeat(alias, 9))}]\n");
        }

        yaml.Append("data: {x: *a8}\n");
        return yaml.ToString();
    }

    [Fact]
    public void A_self_referencing_alias_is_refused_not_followed()
    {
        string file = Write("self.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nx: &a\n  self: *a\n");
        AssertRefused(file, "recursive alias");
    }

    [Fact]
    public void A_self_referencing_alias_inside_a_kept_object_is_refused()
    {
        string file = Write("self-secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\ndata: &a\n  self: [*a]\n");
        var error = AssertRefused(file, "recursive alias");
        Assert.Contains("line 5", error.Message);
    }

    [Fact]
    public void An_alias_bomb_stops_at_the_alias_budget() =>
        AssertRefused(Write("laughs.yaml", BillionLaughs()), "aliases expand to more than");

    [Fact]
    public void Aliases_within_the_budget_are_expanded()
    {
        string file = Write("ok.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: s, labels: &l {app: web}}\nstringData: *l\n");
        var (objects, error) = ManifestReader.ReadFile(file);
        Assert.Null(error);
        Assert.Equal("web", Assert.Single(objects).Json["stringData"]!["app"]!.GetValue<string>());
    }

    [Fact]
    public void An_alias_to_no_anchor_is_an_error() =>
        AssertRefused(Write("dangling.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: *nope\n"), "refers to no anchor");

    [Theory]
    [InlineData("open", false)]
    [InlineData("closed", true)]
    public void Two_hundred_thousand_nested_yaml_brackets_are_refused_at_the_depth_limit(string name, bool closed)
    {
        const int n = 200_000;
        string text = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: " + new string('[', n) + (closed ? new string(']', n) : string.Empty) + "\n";
        AssertRefused(Write(name + ".yaml", text), "nesting is deeper than 64 levels");
    }

    [Fact]
    public void Deep_block_nesting_in_an_object_of_another_kind_is_refused_too()
    {
        var yaml = new StringBuilder("kind: ConfigMap\ndata:\n");
        for (int i = 1; i <= 100; i++)
        {
            yaml.Append(' ', i * 2).Append("k:\n");
        }

        AssertRefused(Write("deep.yaml", yaml.ToString()), "nesting is deeper than");
    }

    [Theory]
    [InlineData("[", "]")]
    [InlineData("{\"a\":", "}")]
    public void Two_hundred_thousand_nested_json_levels_are_refused_at_the_depth_limit(string open, string close)
    {
        const int n = 200_000;
        var text = new StringBuilder().Insert(0, open, n).Append("1").Insert(open.Length * n + 1, close, n).ToString();
        AssertRefused(Write("deep.json", text), "nesting is deeper than 64 levels");
    }

    [Fact]
    public void Nesting_up_to_the_limit_is_read()
    {
        // The root mapping is level 1 and data level 2: 62 more brackets make 64.
        string text = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {x: " + new string('[', 62) + new string(']', 62) + "}\n";
        var (objects, error) = ManifestReader.ReadFile(Write("limit.yaml", text));
        Assert.Null(error);
        Assert.Single(Assert.Single(objects).Json["data"]!["x"]!.AsArray());
        AssertRefused(Write("over.yaml", text.Replace("{x: [", "{x: [[").Replace("]}", "]]}")), "nesting is deeper than 64 levels");
    }

    [Fact]
    public void A_kept_object_over_the_node_budget_is_refused()
    {
        string items = string.Join(",", Enumerable.Repeat("a", 2_000));
        string file = Write("wide.yaml", $"apiVersion: v1\nkind: Secret\nmetadata: {{name: s}}\ndata: {{x: [{items}]}}\n");
        AssertRefused(file, "has more than 1,000 nodes", new ManifestReadOptions { MaxNodesPerObject = 1_000 });
    }

    [Fact]
    public void An_object_of_another_kind_over_the_node_budget_is_skipped_quietly_even_when_its_fields_come_first()
    {
        // kubectl sorts keys, so a ConfigMap's data comes before its kind: the reader builds it until the budget runs
        // out, then skips, and drops it without an error once the kind is known.
        string items = string.Join(",", Enumerable.Repeat("a", 2_000));
        string file = Write("big-configmap.yaml",
            $"apiVersion: v1\ndata: {{x: [{items}]}}\nkind: ConfigMap\nmetadata: {{name: c}}\n---\napiVersion: v1\nkind: Secret\nmetadata: {{name: s}}\n");
        var (objects, error) = ManifestReader.ReadFile(file, new ManifestReadOptions { MaxNodesPerObject = 1_000 });
        Assert.Null(error);
        Assert.Equal("s", Assert.Single(objects).Name);
    }

    [Fact]
    public void Only_the_wanted_kinds_are_kept_from_a_list_whose_items_come_before_its_kind()
    {
        string file = Write("list.yaml",
            "apiVersion: v1\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {a: b}}\n" +
            "- {apiVersion: v1, kind: Secret, metadata: {name: s}, status: {x: 1}}\n- {apiVersion: apps/v1, kind: Deployment, metadata: {name: d}}\nkind: List\nmetadata: {resourceVersion: \"\"}\n");
        var (objects, error) = ManifestReader.ReadFile(file);
        Assert.Null(error);
        var secret = Assert.Single(objects);
        Assert.Equal("s", secret.Name);
        Assert.Equal(4, secret.Line);
        Assert.Null(secret.Json["status"]); // never read by the inventory, so not kept
    }

    [Fact]
    public void A_file_of_many_other_kinds_yields_exactly_the_references_among_them()
    {
        var cert = TestCertificates.Create("CN=a.example", new[] { "a.example" });
        var yaml = new StringBuilder();
        for (int i = 0; i < 2_000; i++)
        {
            yaml.Append($"---\napiVersion: v1\ndata:\n  app.conf: |\n    server {{ listen {i}; }}\nkind: ConfigMap\nmetadata:\n  name: c{i}\n  namespace: n\n");
            yaml.Append($"---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d{i}\n  namespace: n\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx\n");
            if (i % 500 == 0)
            {
                yaml.Append($"---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: i{i}\n  namespace: n\nspec:\n  tls:\n  - hosts: [a.example]\n    secretName: {(i == 0 ? "a-tls" : "missing-" + i)}\n");
            }
        }

        yaml.Append($"---\napiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata:\n  name: a-tls\n  namespace: n\ndata:\n  tls.crt: {Convert.ToBase64String(cert.CertificateBytes)}\n  tls.key: {Convert.ToBase64String(cert.KeyBytes)}\n");
        var (objects, error) = ManifestReader.ReadFile(Write("mixed.yaml", yaml.ToString()));
        Assert.Null(error);
        Assert.Equal(5, objects.Count);
        var results = new ManifestScanner(new InventoryOptions(DateTimeOffset.UtcNow)).Scan(objects).OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
        Assert.Equal(new[] { "i0", "i1000", "i1500", "i500" }, results.Select(r => r.Name));
        Assert.Equal(new[] { "Valid", "SecretNotFound", "SecretNotFound", "SecretNotFound" }, results.Select(r => r.Status));
        Assert.Equal(cert.Certificate.Thumbprint, results[0].Thumbprint);
    }

    [Fact]
    public void A_hostile_file_among_others_is_one_error_and_the_others_are_read()
    {
        string bad = Write("a-bad.yaml", "x: &a\n  self: *a\n");
        string good = Write("b-good.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n");
        var errors = new List<ManifestError>();
        var objects = ManifestReader.ReadAll(new[] { bad, good }, errors.Add);
        Assert.Equal(bad, Assert.Single(errors).File);
        Assert.Equal("s", Assert.Single(objects).Name);
    }

    [Fact]
    public void A_json_list_is_streamed_with_lines_and_a_byte_order_mark()
    {
        string json = "\uFEFF{\n\"apiVersion\": \"v1\",\n\"items\": [\n{\"kind\": \"ConfigMap\", \"data\": {\"a\": \"" + new string('x', 200_000) + "\"}},\n"
            + "{\"apiVersion\": \"v1\", \"kind\": \"Secret\", \"metadata\": {\"name\": \"s\", \"labels\": {\"n\": 1.50}}}\n],\n\"kind\": \"List\"\n}";
        var (objects, error) = ManifestReader.ReadFile(Write("bom.json", json));
        Assert.Null(error);
        var secret = Assert.Single(objects);
        Assert.Equal(5, secret.Line);
        Assert.Equal("1.50", secret.Json["metadata"]!["labels"]!["n"]!.GetValue<string>());
    }

    [Fact]
    public void Broken_json_names_its_line()
    {
        var error = AssertRefused(Write("broken.json", "{\n\"kind\": \"Secret\",\n\"data\": {]\n}"), "line 3");
        Assert.DoesNotContain("   at ", error.Message);
    }

    [Fact]
    public void A_document_that_is_a_plain_value_is_refused_with_its_line()
    {
        string file = Write("scalar.yaml", "---\napiVersion: v1\nkind: Secret\nmetadata: {name: a}\n---\njust a string\n");
        AssertRefused(file, "plain value, not a Kubernetes object");
    }

    [Fact]
    public void Empty_documents_between_separators_are_read_as_nothing()
    {
        // Helm's output puts '---' before every template, also before empty ones.
        string file = Write("helm.yaml", "---\n# Source: chart/templates/empty.yaml\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: a, namespace: n}\ntype: kubernetes.io/tls\n---\n");
        var (objects, error) = ManifestReader.ReadFile(file);
        Assert.Null(error);
        Assert.Single(objects);
    }
}
