using System.Diagnostics.CodeAnalysis;
using Cluster.Shared.Signing;

namespace Cluster.Shared.Federation.Keys;

public enum VerifyKeyLookupStatus
{
    /// <summary>The key is known and was valid at the time asked about.</summary>
    Found,
    /// <summary>
    /// The server answered just now and has no such key valid at that time (or it is this server, which
    /// knows its own keys): a signature made with it cannot be believed.
    /// </summary>
    NotValid,
    /// <summary>
    /// The key is not known and the server could not be asked (down, a bad answer, or asked too
    /// recently): nothing is known against the signature, so it may be checked again later.
    /// </summary>
    Unavailable,
}

/// <summary>What <see cref="ServerKeyRing.LookUpVerifyKeyAsync"/> found for one key ID.</summary>
public readonly record struct VerifyKeyLookup(VerifyKeyLookupStatus Status, Ed25519VerifyKey? Key)
{
    [MemberNotNullWhen(true, nameof(Key))]
    public bool IsFound => Status == VerifyKeyLookupStatus.Found && Key is not null;

    public static VerifyKeyLookup Found(Ed25519VerifyKey key) => new(VerifyKeyLookupStatus.Found, key);
    public static VerifyKeyLookup NotValid => new(VerifyKeyLookupStatus.NotValid, null);
    public static VerifyKeyLookup Unavailable => new(VerifyKeyLookupStatus.Unavailable, null);
}
