using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace Cluster.Shared.Push;

/// <summary>
/// Dot-separated property paths (spec appendix): <c>content.m\.relates_to.rel_type</c> names
/// content → "m.relates_to" → rel_type. <c>\.</c> and <c>\\</c> are escapes; any other
/// backslash is literal.
/// </summary>
public static class PropertyPath
{
    private const int CacheLimit = 4096;
    private static readonly ConcurrentDictionary<string, string[]> Cache = new(StringComparer.Ordinal);

    public static IReadOnlyList<string> Split(string path)
    {
        if (Cache.TryGetValue(path, out var cached))
            return cached;
        var segments = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (c == '\\' && i + 1 < path.Length && path[i + 1] is '.' or '\\')
            {
                current.Append(path[++i]);
            }
            else if (c == '.')
            {
                segments.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }
        segments.Add(current.ToString());
        var result = segments.ToArray();
        // Paths come from users' rules: bound the cache rather than trust their number.
        if (Cache.Count >= CacheLimit)
            Cache.Clear();
        Cache[path] = result;
        return result;
    }

    /// <summary>The value at <paramref name="path"/> in <paramref name="root"/>, if every step is an object property.</summary>
    public static bool TryGet(JsonElement root, string path, out JsonElement value)
    {
        value = root;
        foreach (var segment in Split(path))
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(segment, out value))
            {
                value = default;
                return false;
            }
        }
        return true;
    }
}
