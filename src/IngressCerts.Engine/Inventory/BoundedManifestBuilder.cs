using System.Text.Json;
using System.Text.Json.Nodes;

namespace IngressCerts.Engine.Inventory;

/// <summary>A manifest that breaks one of the reader's limits or YAML's alias rules, with the line where it did.</summary>
internal sealed class ManifestLimitException(string message, int line) : Exception(message)
{
    public int Line { get; } = line;
}

/// <summary>
/// Turns a file's parse events into the Kubernetes objects the caller wants, one object at a time, within limits:
/// nesting depth (checked before each level is entered, so nothing recurses past it), nodes built per object, and
/// nodes produced through aliases per file (a recursive alias is refused outright). Objects of other kinds are
/// skipped without being built once their kind is known; the items of a <c>kind: List</c> are taken one by one.
/// </summary>
internal sealed class BoundedManifestBuilder
{
    private readonly IManifestEvents _events;
    private readonly ManifestReadOptions _options;
    private readonly string _file;
    private readonly Dictionary<string, Anchored> _anchors = new(StringComparer.Ordinal);
    private readonly HashSet<string> _openAnchors = new(StringComparer.Ordinal);
    private int _aliasNodes;
    private int _objectNodes;
    private bool _overflowed;

    public BoundedManifestBuilder(IManifestEvents events, ManifestReadOptions options, string file)
    {
        _events = events;
        _options = options;
        _file = file;
    }

    /// <summary>Reads every document of the file into <paramref name="into"/>.</summary>
    public void ReadAll(List<ManifestObject> into)
    {
        while (Next())
        {
            if (_events.Kind != ManifestEventKind.DocumentStart)
            {
                continue;
            }

            // Anchors are per document; the alias budget is per file, so many small expansions cannot add up.
            _anchors.Clear();
            Next();
            if (_events.Kind == ManifestEventKind.Scalar)
            {
                // An empty document (Helm's '---' between templates) reads as a null scalar and is fine; a document
                // that is a plain value holds no object, which is what a wrong file looks like: say so.
                int line = _events.Line;
                if (_events.ScalarValue() is { } value && value.ToString().Length > 0)
                {
                    throw new ManifestLimitException("the document that starts here is a plain value, not a Kubernetes object.", line);
                }
            }
            else if (_events.Kind != ManifestEventKind.DocumentEnd)
            {
                ReadCandidate(1, into);
            }
        }
    }

    private bool Next() => _events.MoveNext();

    // A node that may be an object, or a sequence of them (a JSON array of objects): anything else is ignored.
    private void ReadCandidate(int depth, List<ManifestObject> into)
    {
        switch (_events.Kind)
        {
            case ManifestEventKind.MappingStart:
                EnterLevel(depth);
                ReadObject(depth, into);
                break;
            case ManifestEventKind.SequenceStart:
                EnterLevel(depth);
                while (Next() && _events.Kind != ManifestEventKind.SequenceEnd)
                {
                    ReadCandidate(depth + 1, into);
                }

                break;
            default:
                Skip(depth);
                break;
        }
    }

    private void ReadObject(int depth, List<ManifestObject> into)
    {
        int line = _events.Line;
        var obj = new JsonObject();
        string? kind = null;
        List<ManifestObject>? items = null;
        _objectNodes = 1;
        _overflowed = false;
        while (NextKey(depth, out string key))
        {
            if (key == "kind" && _events.Kind == ManifestEventKind.Scalar)
            {
                kind = _events.Text;
            }

            bool irrelevant = kind is not null && !_options.Keeps(kind) && !IsList(kind);
            if (key == "items" && _events.Kind == ManifestEventKind.SequenceStart && (kind is null || IsList(kind)))
            {
                // kubectl writes `items` before `kind`: take the items one by one now, keep the wanted ones, and
                // decide at the end whether this was a List.
                items = ReadItems(depth + 1);
            }
            else if (irrelevant || !_options.KeepsField(key, kind))
            {
                Skip(depth + 1);
            }
            else
            {
                obj[key] = Build(depth + 1);
            }
        }

        if (kind is null)
        {
            return;
        }

        if (items is not null && IsList(kind))
        {
            into.AddRange(items);
            return;
        }

        if (!_options.Keeps(kind))
        {
            return;
        }

        if (_overflowed)
        {
            throw new ManifestLimitException($"the {kind} that starts here has more than {_options.MaxNodesPerObject:N0} nodes.", line);
        }

        into.Add(new ManifestObject(_file, obj, line));
    }

    private List<ManifestObject> ReadItems(int depth)
    {
        EnterLevel(depth);
        var items = new List<ManifestObject>();
        // Each item counts its own nodes; the List's own fields keep counting after them.
        var (nodes, overflowed) = (_objectNodes, _overflowed);
        while (Next() && _events.Kind != ManifestEventKind.SequenceEnd)
        {
            ReadCandidate(depth + 1, items);
        }

        (_objectNodes, _overflowed) = (nodes, overflowed);
        return items;
    }

    /// <summary>
    /// In a mapping at <paramref name="depth"/>: moves to the next pair's value and gives its key; false at the end.
    /// A complex key (<c>? [a, b]</c>) is never Kubernetes: such pairs are skipped.
    /// </summary>
    private bool NextKey(int depth, out string key)
    {
        while (Next() && _events.Kind != ManifestEventKind.MappingEnd)
        {
            if (_events.Kind == ManifestEventKind.Scalar)
            {
                key = _events.Text ?? string.Empty;
                Next();
                return true;
            }

            Skip(depth + 1);
            Next();
            Skip(depth + 1);
        }

        key = string.Empty;
        return false;
    }

    private static bool IsList(string kind) => kind.EndsWith("List", StringComparison.Ordinal);

    /// <summary>Builds the current node. Past the object's node budget it skips instead, and marks the object.</summary>
    private JsonNode? Build(int depth)
    {
        switch (_events.Kind)
        {
            case ManifestEventKind.Alias:
                return Expand(_events.Text ?? string.Empty);
            case ManifestEventKind.Scalar:
                string? scalarAnchor = _events.Anchor;
                var value = Count(1) ? _events.ScalarValue() : null;
                if (scalarAnchor is not null)
                {
                    _anchors[scalarAnchor] = new Anchored(value, 1, _overflowed);
                }

                return value;
            case ManifestEventKind.MappingStart or ManifestEventKind.SequenceStart:
                EnterLevel(depth);
                if (!Count(1))
                {
                    if (_events.Anchor is { } skipped)
                    {
                        _anchors[skipped] = new Anchored(null, 1, Incomplete: true);
                    }

                    Skip(depth, buildAnchors: false);
                    return null;
                }

                return BuildCollection(depth);
            default:
                throw new ManifestLimitException($"unexpected {_events.Kind}.", _events.Line);
        }
    }

    private JsonNode BuildCollection(int depth)
    {
        string? anchor = _events.Anchor;
        int before = _objectNodes;
        if (anchor is not null)
        {
            _openAnchors.Add(anchor);
        }

        JsonNode node;
        if (_events.Kind == ManifestEventKind.MappingStart)
        {
            var obj = new JsonObject();
            while (NextKey(depth, out string key))
            {
                obj[key] = Build(depth + 1);
            }

            node = obj;
        }
        else
        {
            var array = new JsonArray();
            while (Next() && _events.Kind != ManifestEventKind.SequenceEnd)
            {
                array.Add(Build(depth + 1));
            }

            node = array;
        }

        if (anchor is not null)
        {
            _openAnchors.Remove(anchor);
            // The collection itself was counted before `before`: an alias to `[]` still produces a node.
            _anchors[anchor] = new Anchored(node, _objectNodes - before + 1, Incomplete: _overflowed);
        }

        return node;
    }

    private JsonNode? Expand(string name)
    {
        int line = _events.Line;
        if (_openAnchors.Contains(name))
        {
            throw new ManifestLimitException($"alias *{name} refers to a node that contains it (a recursive alias).", line);
        }

        if (!_anchors.TryGetValue(name, out var anchored))
        {
            throw new ManifestLimitException($"alias *{name} refers to no anchor before it.", line);
        }

        if (anchored.Incomplete)
        {
            throw new ManifestLimitException($"alias *{name} refers to a node of more than {_options.MaxNodesPerObject:N0} nodes.", line);
        }

        _aliasNodes += anchored.Nodes;
        if (_aliasNodes > _options.MaxAliasNodes)
        {
            throw new ManifestLimitException($"aliases expand to more than {_options.MaxAliasNodes:N0} nodes (an alias bomb?).", line);
        }

        return Count(anchored.Nodes) ? anchored.Node?.DeepClone() : null;
    }

    // False once the object is over its budget: the caller skips rather than builds.
    private bool Count(int nodes)
    {
        _objectNodes += nodes;
        if (_objectNodes > _options.MaxNodesPerObject)
        {
            _overflowed = true;
        }

        return !_overflowed;
    }

    private void EnterLevel(int depth)
    {
        if (depth > _options.MaxDepth)
        {
            throw new ManifestLimitException($"nesting is deeper than {_options.MaxDepth} levels.", _events.Line);
        }
    }

    /// <summary>
    /// Consumes the current node without building it, iteratively. An anchored node inside is still built (within the
    /// budget) because a later alias may name it; aliases inside are not expanded, so they cost nothing here.
    /// </summary>
    private void Skip(int depth, bool buildAnchors = true)
    {
        if (buildAnchors && _events.Anchor is not null && _events.Kind != ManifestEventKind.Alias)
        {
            Build(depth);
            return;
        }

        if (_events.Kind is not (ManifestEventKind.MappingStart or ManifestEventKind.SequenceStart))
        {
            return;
        }

        EnterLevel(depth);
        int level = 0;
        while (Next())
        {
            switch (_events.Kind)
            {
                case ManifestEventKind.MappingStart or ManifestEventKind.SequenceStart when buildAnchors && _events.Anchor is not null:
                    Build(depth + level + 1);
                    break;
                case ManifestEventKind.MappingStart or ManifestEventKind.SequenceStart:
                    level++;
                    EnterLevel(depth + level);
                    break;
                case ManifestEventKind.MappingEnd or ManifestEventKind.SequenceEnd when level == 0:
                    return;
                case ManifestEventKind.MappingEnd or ManifestEventKind.SequenceEnd:
                    level--;
                    break;
                case ManifestEventKind.Scalar when buildAnchors && _events.Anchor is not null:
                    Build(depth + level + 1);
                    break;
            }
        }
    }

    private sealed record Anchored(JsonNode? Node, int Nodes, bool Incomplete);
}
