namespace Cluster.Shared.Federation.Acl;

/// <summary>
/// Glob-style matching (spec appendix: '*' any run of characters, '?' exactly one) of a server
/// name's host against an ACL entry, ignoring ASCII case as DNS does. A room's ACL can hold
/// hundreds of entries and is checked on every request another server makes about the room, so
/// entries are matched directly rather than compiled into a regular expression each.
/// </summary>
public static class ServerNameGlob
{
    /// <summary>Whether <paramref name="pattern"/> matches all of <paramref name="host"/>.</summary>
    public static bool Matches(ReadOnlySpan<char> pattern, ReadOnlySpan<char> host)
    {
        // Greedy match that, on a mismatch, lets the last '*' swallow one more character: at most
        // pattern × host steps, which both lengths (a server name is at most 255 characters) keep small.
        int p = 0, h = 0, star = -1, swallowedUpTo = 0;
        while (h < host.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                swallowedUpTo = h;
            }
            else if (p < pattern.Length && (pattern[p] == '?' || SameIgnoringCase(pattern[p], host[h])))
            {
                p++;
                h++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                h = ++swallowedUpTo;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
            p++;
        return p == pattern.Length;
    }

    private static bool SameIgnoringCase(char a, char b) => a == b || (char.IsAsciiLetter(a) && (a | 0x20) == (b | 0x20));
}
