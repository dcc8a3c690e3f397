using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cluster.Shared.Http;

/// <summary>
/// Typed fields of a request body: a field of the wrong JSON type is 400 M_BAD_JSON, a missing
/// required string 400 M_MISSING_PARAM, never an exception the client cannot read.
/// </summary>
public static class BodyFields
{
    public static string? OptionalString(this JsonObject body, string name) =>
        body[name] switch
        {
            null => null,
            JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
            _ => throw MatrixException.BadJson($"'{name}' must be a string."),
        };

    public static string RequiredString(this JsonObject body, string name) =>
        body.OptionalString(name) ?? throw MatrixException.MissingParam($"'{name}' is required.");

    public static bool? OptionalBool(this JsonObject body, string name) =>
        body[name] switch
        {
            null => null,
            JsonValue value when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False => value.GetValue<bool>(),
            _ => throw MatrixException.BadJson($"'{name}' must be a boolean."),
        };

    public static bool RequiredBool(this JsonObject body, string name) =>
        body.OptionalBool(name) ?? throw MatrixException.BadJson($"'{name}' is required.");

    /// <summary>An integer (no fraction, nothing beyond what a long holds).</summary>
    public static long? OptionalInteger(this JsonObject body, string name) =>
        body[name] switch
        {
            null => null,
            JsonValue value when value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<long>(out var n) => n,
            JsonValue value when value.GetValueKind() == JsonValueKind.Number
                && value.TryGetValue<double>(out var d) && d == Math.Floor(d) && Math.Abs(d) < 9.2e18 => (long)d,
            _ => throw MatrixException.BadJson($"'{name}' must be an integer."),
        };

    public static JsonObject? OptionalObject(this JsonObject body, string name) =>
        body[name] switch
        {
            null => null,
            JsonObject value => value,
            _ => throw MatrixException.BadJson($"'{name}' must be an object."),
        };

    public static JsonObject RequiredObject(this JsonObject body, string name) =>
        body.OptionalObject(name) ?? throw MatrixException.BadJson($"'{name}' is required.");

    public static JsonArray? OptionalArray(this JsonObject body, string name) =>
        body[name] switch
        {
            null => null,
            JsonArray value => value,
            _ => throw MatrixException.BadJson($"'{name}' must be an array."),
        };

    /// <summary>A string no longer than <paramref name="maxLength"/> characters, else 400 M_INVALID_PARAM.</summary>
    public static string? Limit(this string? value, string name, int maxLength) =>
        value is { Length: var length } && length > maxLength
            ? throw MatrixException.InvalidParam($"'{name}' is longer than {maxLength} characters")
            : value;
}
