using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using Cluster.Shared.RoomVersions;

namespace Cluster.Shared.Json;

/// <summary>
/// Reads JSON from untrusted peers and clients, refusing anything that has no single meaning or
/// no canonical form: invalid UTF-8, duplicate keys, lone surrogate escapes, excessive nesting,
/// comments, trailing commas or garbage, NaN/Infinity, and (per options) non-canonical numbers.
/// Failures throw <see cref="InvalidJsonException"/> with a <see cref="InvalidJsonReason"/>.
/// </summary>
/// <remarks>
/// System.Text.Json does the parsing (its reader keeps nesting on an explicit stack, so a
/// 10,000-deep document is refused by the depth limit, never by the call stack). Its errors carry
/// no machine-readable cause, so a refused document is read a second time, slowly, to name it.
/// </remarks>
public static class StrictJson
{
    /// <summary>Parses any JSON value; a top-level <c>null</c> gives null.</summary>
    public static JsonNode? Parse(ReadOnlySpan<byte> utf8Json, StrictJsonOptions? options = null)
    {
        var root = ParseElement(utf8Json, options);
        return root.ValueKind switch
        {
            JsonValueKind.Object => JsonObject.Create(root),
            JsonValueKind.Array => JsonArray.Create(root),
            JsonValueKind.Null => null,
            _ => JsonValue.Create(root),
        };
    }

    public static JsonNode? Parse(ReadOnlySpan<byte> utf8Json, RoomVersion roomVersion) =>
        Parse(utf8Json, StrictJsonOptions.For(roomVersion));

    /// <summary>Parses a document whose top-level value must be an object (request bodies, events).</summary>
    public static JsonObject ParseObject(ReadOnlySpan<byte> utf8Json, StrictJsonOptions? options = null)
    {
        var root = ParseElement(utf8Json, options);
        if (root.ValueKind != JsonValueKind.Object)
            throw new InvalidJsonException(InvalidJsonReason.NotAnObject, $"Expected a JSON object, found {root.ValueKind}.");
        return JsonObject.Create(root)!;
    }

    public static JsonObject ParseObject(ReadOnlySpan<byte> utf8Json, RoomVersion roomVersion) =>
        ParseObject(utf8Json, StrictJsonOptions.For(roomVersion));

    /// <summary>Parses to an immutable element, for callers that only read or canonicalise.</summary>
    public static JsonElement ParseElement(ReadOnlySpan<byte> utf8Json, StrictJsonOptions? options = null)
    {
        options ??= StrictJsonOptions.Default;
        if (utf8Json.Length > options.MaxInputBytes)
            throw new InvalidJsonException(InvalidJsonReason.TooLarge,
                $"Input is {utf8Json.Length} bytes; at most {options.MaxInputBytes} are accepted.");
        // The reader only checks UTF-8 when a string is decoded; check all of it up front.
        if (!Utf8.IsValid(utf8Json))
            throw new InvalidJsonException(InvalidJsonReason.InvalidUtf8, "Input is not valid UTF-8.");

        JsonElement root;
        try
        {
            root = JsonElement.Parse(utf8Json, new JsonDocumentOptions
            {
                MaxDepth = options.MaxDepth,
                AllowDuplicateProperties = false,
                AllowTrailingCommas = false,
                CommentHandling = JsonCommentHandling.Disallow,
            });
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: the duplicate-key check could not decode a key (a lone surrogate escape).
            throw JsonFailureDiagnosis.Diagnose(utf8Json, options.MaxDepth);
        }
        CheckValues(root, options.StrictCanonicalNumbers);
        return root;
    }

    public static JsonElement ParseElement(ReadOnlySpan<byte> utf8Json, RoomVersion roomVersion) =>
        ParseElement(utf8Json, StrictJsonOptions.For(roomVersion));

    // Recursion is bounded by MaxDepth (at most 1000), which the parser has already enforced.
    private static void CheckValues(JsonElement element, bool strictNumbers)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    CheckEscapes(JsonMarshal.GetRawUtf8PropertyName(property));
                    CheckValues(property.Value, strictNumbers);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray()) CheckValues(item, strictNumbers);
                break;
            case JsonValueKind.String:
                CheckEscapes(JsonMarshal.GetRawUtf8Value(element));
                break;
            case JsonValueKind.Number:
                CheckNumber(element, strictNumbers);
                break;
        }
    }

    private static void CheckEscapes(ReadOnlySpan<byte> raw)
    {
        if (!JsonStringEscapes.AreWellFormed(raw))
            throw new InvalidJsonException(InvalidJsonReason.LoneSurrogate,
                "A \\u escape holds half of a surrogate pair without the other half.");
    }

    private const long MaxSafeInteger = (1L << 53) - 1;

    private static void CheckNumber(JsonElement number, bool strict)
    {
        var literal = JsonMarshal.GetRawUtf8Value(number);
        var isInteger = literal.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0;
        if (strict)
        {
            if (!isInteger)
                throw new InvalidJsonException(InvalidJsonReason.FloatNotAllowed,
                    $"Number {System.Text.Encoding.UTF8.GetString(literal)} has a fraction or exponent; canonical JSON allows only integers.");
            if (!number.TryGetInt64(out var value) || value is > MaxSafeInteger or < -MaxSafeInteger)
                throw new InvalidJsonException(InvalidJsonReason.NumberOutOfRange,
                    $"Integer {Truncate(literal)} is outside [-(2^53)+1, 2^53-1].");
            return;
        }
        // Relaxed: integers of any size keep their digits, but a float must fit a double to be encodable.
        if (!isInteger && !(number.TryGetDouble(out var asDouble) && double.IsFinite(asDouble)))
            throw new InvalidJsonException(InvalidJsonReason.NumberOutOfRange,
                $"Number {Truncate(literal)} is beyond the range of a double.");
    }

    private static string Truncate(ReadOnlySpan<byte> literal) =>
        System.Text.Encoding.UTF8.GetString(literal.Length <= 40 ? literal : literal[..40]) + (literal.Length <= 40 ? "" : "...");
}
