using System.Text.Json.Nodes;

namespace IngressCerts.TestServer.Fields;

/// <summary>
/// A set of field paths in the fieldsV1 trie form used by managedFields:
/// a node is a member of the set when it is a leaf, or when it carries the "." marker.
/// </summary>
internal sealed class FieldTree
{
    private readonly SortedDictionary<string, FieldTree> _children = new(StringComparer.Ordinal);

    public bool IsMember { get; set; }

    public IReadOnlyDictionary<string, FieldTree> Children => _children;

    public bool IsEmpty => !IsMember && _children.Count == 0;

    public static FieldTree Member() => new() { IsMember = true };

    public FieldTree Child(string key)
    {
        if (!_children.TryGetValue(key, out var child))
        {
            child = new FieldTree();
            _children[key] = child;
        }
        return child;
    }

    public void Set(string key, FieldTree child) => _children[key] = child;

    /// <summary>Adds every path of <paramref name="other"/> to this set.</summary>
    public void UnionWith(FieldTree other)
    {
        IsMember |= other.IsMember;
        foreach (var (key, child) in other._children)
        {
            Child(key).UnionWith(child);
        }
    }

    /// <summary>Removes every path of <paramref name="other"/> from this set.</summary>
    public void ExceptWith(FieldTree other)
    {
        if (other.IsMember) IsMember = false;
        foreach (var (key, child) in other._children)
        {
            if (!_children.TryGetValue(key, out var mine)) continue;
            mine.ExceptWith(child);
            if (mine.IsEmpty) _children.Remove(key);
        }
    }

    /// <summary>The paths present in both sets.</summary>
    public FieldTree Intersect(FieldTree other)
    {
        var result = new FieldTree { IsMember = IsMember && other.IsMember };
        foreach (var (key, child) in _children)
        {
            if (!other._children.TryGetValue(key, out var theirs)) continue;
            var both = child.Intersect(theirs);
            if (!both.IsEmpty) result._children[key] = both;
        }
        return result;
    }

    /// <summary>Leaf membership along a path of "f:" keys (used to prune fields an applier dropped).</summary>
    public IEnumerable<IReadOnlyList<string>> MemberPaths()
    {
        var path = new List<string>();
        return Walk(this, path);

        static IEnumerable<IReadOnlyList<string>> Walk(FieldTree node, List<string> path)
        {
            if (node.IsMember && path.Count > 0) yield return path.ToArray();
            foreach (var (key, child) in node._children)
            {
                path.Add(key);
                foreach (var p in Walk(child, path)) yield return p;
                path.RemoveAt(path.Count - 1);
            }
        }
    }

    public bool ContainsMember(IReadOnlyList<string> path)
    {
        var node = this;
        foreach (var key in path)
        {
            if (!node._children.TryGetValue(key, out var next)) return false;
            node = next;
        }
        return node.IsMember;
    }

    public JsonObject ToJson()
    {
        var json = new JsonObject();
        if (IsMember && _children.Count > 0) json["."] = new JsonObject();
        foreach (var (key, child) in _children)
        {
            json[key] = child.ToJson();
        }
        return json;
    }

    public static FieldTree FromJson(JsonObject? json)
    {
        var tree = new FieldTree();
        if (json is null) return tree;
        foreach (var (key, value) in json)
        {
            if (key == ".")
            {
                tree.IsMember = true;
                continue;
            }
            var child = FromJson(value as JsonObject);
            if (child._children.Count == 0) child.IsMember = true;
            tree._children[key] = child;
        }
        return tree;
    }
}
