using IngressCerts.Engine.Inventory;

namespace IngressCerts.Engine.Tests.Inventory;

public sealed class ManifestReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ic-manifests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Multi_document_yaml_yields_every_object_and_skips_empty_documents()
    {
        string file = Write("a.yaml", "# Source: chart/x.yaml\n---\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: i\n  namespace: n\n");
        var (objects, error) = ManifestReader.ReadFile(file);
        Assert.Null(error);
        Assert.Equal(new[] { "Secret", "Ingress" }, objects.Select(o => o.Kind));
        Assert.Equal("n", objects[1].Namespace);
    }

    [Fact]
    public void A_kubectl_List_is_unpacked_in_yaml_and_json()
    {
        string yaml = Write("l.yaml", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: b}\n");
        string json = Write("l.json", "{\"apiVersion\":\"v1\",\"kind\":\"SecretList\",\"items\":[{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"c\"}}]}");
        Assert.Equal(new[] { "a", "b" }, ManifestReader.ReadFile(yaml).Objects.Select(o => o.Name));
        Assert.Equal(new[] { "c" }, ManifestReader.ReadFile(json).Objects.Select(o => o.Name));
    }

    [Fact]
    public void Plain_scalars_are_typed_and_quoted_ones_stay_strings()
    {
        string file = Write("t.yaml", "apiVersion: v1\nkind: Thing\nmetadata: {name: x}\nport: 443\nquoted: \"443\"\nflag: true\nempty: ~\n");
        var obj = ManifestReader.ReadFile(file, new ManifestReadOptions { Kinds = null, Fields = null }).Objects.Single().Json;
        Assert.Equal(443L, obj["port"]!.GetValue<long>());
        Assert.Equal("443", obj["quoted"]!.GetValue<string>());
        Assert.True(obj["flag"]!.GetValue<bool>());
        Assert.Null(obj["empty"]);
    }

    [Fact]
    public void Unquoted_annotation_values_and_numeric_names_are_read_as_text()
    {
        string file = Write("n.yaml", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: 404\n  annotations:\n    ssl-redirect: true\n    weight: 10\n");
        var obj = ManifestReader.ReadFile(file).Objects.Single();
        Assert.Equal("404", obj.Name);
        Assert.Equal("true", obj.Json["metadata"]!["annotations"]!["ssl-redirect"]!.GetValue<string>());
        Assert.Equal("10", obj.Json["metadata"]!["annotations"]!["weight"]!.GetValue<string>());
    }

    [Fact]
    public void Broken_yaml_is_an_error_naming_the_file_not_an_exception()
    {
        string file = Write("bad.yaml", "a: [unclosed");
        var (objects, error) = ManifestReader.ReadFile(file);
        Assert.Empty(objects);
        Assert.Equal(file, error!.File);
    }

    [Fact]
    public void Folders_expand_recursively_to_yaml_and_json_files_only()
    {
        Write("x/a.yaml", "{}");
        Write("x/y/b.yml", "{}");
        Write("x/y/c.json", "{}");
        Write("x/readme.md", "#");
        var files = ManifestReader.ExpandPaths(new[] { Path.Combine(_dir, "x") }).Select(Path.GetFileName).ToList();
        Assert.Equal(new[] { "a.yaml", "b.yml", "c.json" }, files.Order());
    }
}
