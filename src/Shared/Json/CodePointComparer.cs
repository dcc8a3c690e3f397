namespace Cluster.Shared.Json;

/// <summary>
/// Orders strings by Unicode code point, as canonical JSON sorts keys. This differs from UTF-16
/// ordinal order only where a character above U+FFFF (a surrogate pair) meets one in
/// U+E000..U+FFFF: ordinal order puts the surrogate first, code point order puts it last.
/// </summary>
public sealed class CodePointComparer : IComparer<string>
{
    public static readonly CodePointComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        var a = x.AsSpan();
        var b = y.AsSpan();
        var i = a.CommonPrefixLength(b);
        if (i == a.Length || i == b.Length) return a.Length - b.Length;
        return Rank(a[i]) - Rank(b[i]);
    }

    // Moves the surrogate block (D800..DFFF) above U+E000..U+FFFF and keeps every other order.
    private static int Rank(char c) => c < 0xD800 ? c : c >= 0xE000 ? c - 0x800 : c + 0x2000;
}
