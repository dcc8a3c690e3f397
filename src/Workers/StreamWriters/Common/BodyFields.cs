using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Http;

namespace Cluster.Workers.StreamWriters.Common;

/// <summary>
/// Typed reads of request body fields: the wrong JSON type is 400 M_BAD_JSON, and so is a
/// required field that is absent (the spec's "valid JSON, but malformed"). JSON null counts as absent.
/// </summary>
public static class BodyFields
{
    public static bool? OptionalBool(this JsonObject body, string name) =>
        body[name] switch
        {
            null => null,
            JsonValue value when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False => value.GetValue<bool>(),
            _ => throw MatrixException.BadJson($"'{name}' must be a boolean."),
        };

    public static bool RequiredBool(this JsonObject body, string name) =>
        body.OptionalBool(name) ?? throw MatrixException.BadJson($"'{name}' is required.");

    public static string? OptionalString(this JsonObject body, string name) =>
        body[name] switch
        {
            null => null,
            JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
            _ => throw MatrixException.BadJson($"'{name}' must be a string."),
        };

    /// <summary>An integer (no fraction, no exponent beyond what a long holds).</summary>
    public static long? OptionalInteger(this JsonObject body, string name) =>
        body[name] switch
        {
            null => null,
            JsonValue value when value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<long>(out var n) => n,
            JsonValue value when value.GetValueKind() == JsonValueKind.Number
                && value.TryGetValue<double>(out var d) && d == Math.Floor(d) && Math.Abs(d) < 9.2e18 => (long)d,
            _ => throw MatrixException.BadJson($"'{name}' must be an integer."),
        };

    public static JsonObject RequiredObject(this JsonObject body, string name) =>
        body[name] switch
        {
            JsonObject value => value,
            null => throw MatrixException.BadJson($"'{name}' is required."),
            _ => throw MatrixException.BadJson($"'{name}' must be an object."),
        };
}
