using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Http;

namespace Cluster.Workers.ClientReader.Accounts;

/// <summary>
/// Typed reads of request body fields. A field of the wrong JSON type is 400 M_BAD_JSON; JSON
/// null counts as absent, as clients send it for "not given".
/// </summary>
public static class JsonFields
{
    public static string? OptionalString(this JsonObject body, string name) =>
        body[name] switch
        {
            null => null,
            JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
            _ => throw MatrixException.BadJson($"'{name}' must be a string"),
        };

    public static string RequiredString(this JsonObject body, string name) =>
        body.OptionalString(name) ?? throw MatrixException.MissingParam($"'{name}' is required");

    public static bool? OptionalBool(this JsonObject body, string name) =>
        body[name] switch
        {
            null => null,
            JsonValue value when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False => value.GetValue<bool>(),
            _ => throw MatrixException.BadJson($"'{name}' must be a boolean"),
        };

    public static JsonObject? OptionalObject(this JsonObject body, string name) =>
        body[name] switch
        {
            null => null,
            JsonObject value => value,
            _ => throw MatrixException.BadJson($"'{name}' must be an object"),
        };

    /// <summary>A string no longer than <paramref name="maxLength"/> characters, else 400 M_INVALID_PARAM.</summary>
    public static string? Limit(this string? value, string name, int maxLength) =>
        value is { Length: var length } && length > maxLength
            ? throw MatrixException.InvalidParam($"'{name}' is longer than {maxLength} characters")
            : value;
}
