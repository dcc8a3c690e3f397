using System.Buffers;

namespace Cluster.Shared.Identifiers;

/// <summary>
/// The appendix's Opaque Identifier Grammar, for identifiers that are only compared, never parsed:
/// the RFC 3986 unreserved characters <c>0-9 A-Z a-z - . _ ~</c>, 1 to 255 characters unless the
/// identifier's own definition says otherwise.
/// </summary>
public static class OpaqueIdentifier
{
    public const int DefaultMaxLength = 255;

    private static readonly SearchValues<char> Unreserved =
        SearchValues.Create("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-._~");

    public static bool IsValid(ReadOnlySpan<char> identifier, int maxLength = DefaultMaxLength) =>
        !identifier.IsEmpty && identifier.Length <= maxLength && !identifier.ContainsAnyExcept(Unreserved);
}
