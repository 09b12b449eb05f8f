using System.Text.Json.Nodes;
using IngressCerts.TestServer.Json;
using IngressCerts.TestServer.Validation;

namespace IngressCerts.TestServer.Api.Strategies;

/// <summary>
/// networking.k8s.io/v1 Ingress: status is owned by the status subresource, hosts must be DNS names
/// (wildcards only as a leading "*."), paths need a pathType and backends a service or resource.
/// </summary>
internal sealed class IngressStrategy : IResourceStrategy
{
    private static readonly string[] PathTypes = ["Exact", "ImplementationSpecific", "Prefix"];

    public void Default(JsonObject obj)
    {
    }

    public void PrepareForCreate(JsonObject obj) => obj["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() };

    public void PrepareForUpdate(JsonObject updated, JsonObject existing) =>
        updated["status"] = existing["status"]?.DeepClone() ?? new JsonObject { ["loadBalancer"] = new JsonObject() };

    public IReadOnlyList<FieldError> ValidateCreate(JsonObject obj)
    {
        var errors = ObjectMetaValidator.Validate(obj, DnsNames.Subdomain);
        errors.AddRange(ValidateSpec(obj["spec"] as JsonObject ?? new JsonObject()));
        return errors;
    }

    public IReadOnlyList<FieldError> ValidateUpdate(JsonObject updated, JsonObject existing) => ValidateCreate(updated);

    private static IEnumerable<FieldError> ValidateSpec(JsonObject spec)
    {
        var rules = spec["rules"] as JsonArray;
        var defaultBackend = spec["defaultBackend"] as JsonObject;
        if (defaultBackend is null && (rules is null || rules.Count == 0))
        {
            yield return new FieldError("FieldValueInvalid", "spec",
                "Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified");
        }
        if (defaultBackend is not null)
        {
            foreach (var error in ValidateBackend(defaultBackend, "spec.defaultBackend")) yield return error;
        }
        for (var i = 0; rules is not null && i < rules.Count; i++)
        {
            if (rules[i] is not JsonObject rule) continue;
            var path = $"spec.rules[{i}]";
            var host = rule.GetString("host") ?? "";
            if (host.Length > 0)
            {
                if (DnsNames.IsIpAddress(host)) yield return FieldError.Invalid(path + ".host", host, "must be a DNS name, not an IP address");
                var messages = host.Contains('*') ? DnsNames.WildcardSubdomain(host) : DnsNames.Subdomain(host);
                foreach (var message in messages) yield return FieldError.Invalid(path + ".host", host, message);
            }
            if (rule["http"] is JsonObject http)
            {
                foreach (var error in ValidatePaths(http, path + ".http")) yield return error;
            }
        }
        if (spec["tls"] is JsonArray tls)
        {
            for (var i = 0; i < tls.Count; i++)
            {
                if (tls[i] is not JsonObject entry) continue;
                if (entry["hosts"] is JsonArray hosts)
                {
                    for (var j = 0; j < hosts.Count; j++)
                    {
                        var host = hosts[j].AsString() ?? "";
                        var messages = host.Contains('*') ? DnsNames.WildcardSubdomain(host) : DnsNames.Subdomain(host);
                        foreach (var message in messages) yield return FieldError.Invalid($"spec.tls[{i}].hosts[{j}]", host, message);
                    }
                }
                var secretName = entry.GetString("secretName") ?? "";
                if (secretName.Length > 0)
                {
                    foreach (var message in DnsNames.Subdomain(secretName)) yield return FieldError.Invalid($"spec.tls[{i}].secretName", secretName, message);
                }
            }
        }
        var className = spec.GetString("ingressClassName");
        if (className is not null)
        {
            foreach (var message in DnsNames.Subdomain(className)) yield return FieldError.Invalid("spec.ingressClassName", className, message);
        }
    }

    private static IEnumerable<FieldError> ValidatePaths(JsonObject http, string fieldPath)
    {
        if (http["paths"] is not JsonArray paths || paths.Count == 0)
        {
            yield return FieldError.Required(fieldPath + ".paths");
            yield break;
        }
        for (var i = 0; i < paths.Count; i++)
        {
            if (paths[i] is not JsonObject entry) continue;
            var path = $"{fieldPath}.paths[{i}]";
            var pathType = entry.GetString("pathType");
            var value = entry.GetString("path") ?? "";
            if (pathType is null)
            {
                yield return FieldError.Required(path + ".pathType", "pathType must be specified");
            }
            else if (!PathTypes.Contains(pathType))
            {
                yield return FieldError.NotSupported(path + ".pathType", pathType, PathTypes);
            }
            else if (pathType != "ImplementationSpecific" || value.Length > 0)
            {
                if (!value.StartsWith('/')) yield return FieldError.Invalid(path + ".path", value, "must be an absolute path");
            }
            foreach (var error in ValidateBackend(entry["backend"] as JsonObject, path + ".backend")) yield return error;
        }
    }

    private static IEnumerable<FieldError> ValidateBackend(JsonObject? backend, string path)
    {
        var service = backend?["service"] as JsonObject;
        var resource = backend?["resource"] as JsonObject;
        if (service is not null && resource is not null)
        {
            yield return new FieldError("FieldValueInvalid", path, "Invalid value: \"\": cannot set both resource and service backends");
            yield break;
        }
        if (service is null && resource is null)
        {
            yield return new FieldError("FieldValueInvalid", path, "Invalid value: \"\": resource or service backend is required");
            yield break;
        }
        if (service is null) yield break;
        var name = service.GetString("name") ?? "";
        if (name.Length == 0) yield return FieldError.Required(path + ".service.name");
        var port = service["port"] as JsonObject;
        var hasName = !string.IsNullOrEmpty(port.GetString("name"));
        var hasNumber = port?["number"] is not null;
        if (hasName && hasNumber)
        {
            yield return new FieldError("FieldValueInvalid", path + ".service.port", "Invalid value: \"\": cannot set both port name & port number");
        }
        else if (!hasName && !hasNumber)
        {
            yield return new FieldError("FieldValueInvalid", path + ".service.port", "Invalid value: \"\": port name or number is required");
        }
    }
}
