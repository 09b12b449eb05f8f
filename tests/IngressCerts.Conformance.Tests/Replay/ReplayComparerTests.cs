using System.Text.Json.Nodes;

namespace IngressCerts.Conformance.Tests.Replay;

/// <summary>The replay is only as strict as its comparer: these show each rule can fail.</summary>
public sealed class ReplayComparerTests
{
    [Fact]
    public void A_different_value_is_reported_with_file_and_path()
    {
        var comparer = new ReplayComparer();
        comparer.Compare("x.json", Parse("""{"a":{"b":"1"}}"""), Parse("""{"a":{"b":"2"}}"""));
        Assert.Equal("x.json: $.a.b: expected \"1\", got \"2\"", Assert.Single(comparer.Mismatches));
    }

    [Fact]
    public void Missing_and_extra_fields_are_reported()
    {
        var comparer = new ReplayComparer();
        comparer.Compare("x.json", Parse("""{"a":1}"""), Parse("""{"b":1}"""));
        Assert.Equal(2, comparer.Mismatches.Count);
    }

    [Fact]
    public void One_recorded_resource_version_must_stay_one_version_of_ours()
    {
        var comparer = new ReplayComparer();
        comparer.Compare("a.json", Parse("""{"resourceVersion":"339"}"""), Parse("""{"resourceVersion":"15"}"""));
        comparer.Compare("b.json", Parse("""{"resourceVersion":"339"}"""), Parse("""{"resourceVersion":"16"}"""));
        Assert.Contains("b.json", Assert.Single(comparer.Mismatches));
    }

    [Fact]
    public void Resource_versions_must_keep_their_order()
    {
        var comparer = new ReplayComparer();
        comparer.Compare("a.json", Parse("""{"resourceVersion":"339"}"""), Parse("""{"resourceVersion":"15"}"""));
        comparer.Compare("b.json", Parse("""{"resourceVersion":"340"}"""), Parse("""{"resourceVersion":"14"}"""));
        Assert.Contains("order", Assert.Single(comparer.Mismatches));
    }

    [Fact]
    public void Uids_and_timestamps_are_checked_by_form()
    {
        var comparer = new ReplayComparer();
        comparer.Compare("a.json",
            Parse("""{"uid":"f8ebabfe-1342-4588-9402-078db8f5c338","creationTimestamp":"2026-11-26T02:58:31Z"}"""),
            Parse("""{"uid":"nope","creationTimestamp":"yesterday"}"""));
        Assert.Equal(2, comparer.Mismatches.Count);
    }

    [Fact]
    public void Continue_tokens_compare_start_keys()
    {
        var comparer = new ReplayComparer();
        // {"v":"meta.k8s.io/v1","rv":339,"start":"page-1\u0000"} against the same with start "page-2\u0000".
        comparer.Compare("a.json",
            Parse("""{"continue":"eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MzM5LCJzdGFydCI6InBhZ2UtMVx1MDAwMCJ9"}"""),
            Parse("""{"continue":"eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MzM5LCJzdGFydCI6InBhZ2UtMlx1MDAwMCJ9"}"""));
        Assert.Contains("(start)", Assert.Single(comparer.Mismatches));
    }

    [Fact]
    public void Messages_may_differ_only_in_mapped_resource_versions()
    {
        var comparer = new ReplayComparer();
        comparer.Compare("a.json", Parse("""{"resourceVersion":"340"}"""), Parse("""{"resourceVersion":"16"}"""));
        comparer.Compare("b.json", Parse("""{"message":"precondition (1) record (340)"}"""), Parse("""{"message":"precondition (1) record (16)"}"""));
        Assert.Empty(comparer.Mismatches);
        comparer.Compare("c.json", Parse("""{"message":"precondition (1) record (340)"}"""), Parse("""{"message":"precondition (2) record (16)"}"""));
        Assert.Single(comparer.Mismatches);
    }

    private static JsonNode Parse(string json) => JsonNode.Parse(json)!;
}
