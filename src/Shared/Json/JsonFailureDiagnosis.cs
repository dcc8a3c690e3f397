using System.Text.Json;

namespace Cluster.Shared.Json;

/// <summary>
/// Names the first problem in a document System.Text.Json refused. Only runs on the failure path,
/// so it may allocate freely (a key set per open object).
/// </summary>
internal static class JsonFailureDiagnosis
{
    public static InvalidJsonException Diagnose(ReadOnlySpan<byte> utf8Json, int maxDepth)
    {
        // One level of slack so our own check, not the reader's, reports excessive depth.
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = maxDepth + 1 });
        var openObjects = new Stack<HashSet<string>?>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        if (reader.CurrentDepth >= maxDepth)
                            return new InvalidJsonException(InvalidJsonReason.TooDeep,
                                $"JSON nests deeper than {maxDepth} levels (at byte {reader.TokenStartIndex}).");
                        openObjects.Push(reader.TokenType == JsonTokenType.StartObject ? new HashSet<string>(StringComparer.Ordinal) : null);
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        openObjects.Pop();
                        break;
                    case JsonTokenType.PropertyName:
                        string name;
                        try
                        {
                            name = reader.GetString()!;
                        }
                        catch (InvalidOperationException)
                        {
                            return new InvalidJsonException(InvalidJsonReason.LoneSurrogate,
                                $"A key holds half of a surrogate pair (at byte {reader.TokenStartIndex}).");
                        }
                        if (!openObjects.Peek()!.Add(name))
                            return new InvalidJsonException(InvalidJsonReason.DuplicateKey,
                                $"Key \"{Shorten(name)}\" appears twice in one object (at byte {reader.TokenStartIndex}).");
                        break;
                }
            }
        }
        catch (JsonException e)
        {
            return EndsEarly(utf8Json, maxDepth)
                ? new InvalidJsonException(InvalidJsonReason.Truncated, "Input ends before the JSON document does.")
                : new InvalidJsonException(InvalidJsonReason.NotJson, $"Not valid JSON: {e.Message}");
        }
        return new InvalidJsonException(InvalidJsonReason.NotJson, "Not valid JSON.");
    }

    /// <summary>
    /// True when the input is a valid beginning of a document: a reader told more may follow
    /// runs out of bytes before it finds anything wrong.
    /// </summary>
    private static bool EndsEarly(ReadOnlySpan<byte> utf8Json, int maxDepth)
    {
        var reader = new Utf8JsonReader(utf8Json, isFinalBlock: false,
            new JsonReaderState(new JsonReaderOptions { MaxDepth = maxDepth + 1 }));
        try
        {
            while (reader.Read()) { }
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Shorten(string name) => name.Length <= 64 ? name : name[..64] + "...";
}
