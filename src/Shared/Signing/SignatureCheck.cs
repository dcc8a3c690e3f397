namespace Cluster.Shared.Signing;

/// <summary>Why a signature check passed or failed, in the order the spec's checking steps find them.</summary>
public enum SignatureStatus
{
    Valid,
    /// <summary>The object has no <c>signatures</c>, or none from the server asked about.</summary>
    NoSignatureFromServer,
    /// <summary>The server signed, but not with the key ID of the key we checked with.</summary>
    NoSignatureWithKeyId,
    /// <summary><c>signatures</c> has the wrong shape, or the signature is not Base64 of 64 bytes.</summary>
    MalformedSignature,
    /// <summary>The signature does not match the object's canonical JSON under the key.</summary>
    BadSignature,
    /// <summary>The object cannot be encoded as canonical JSON, so nothing it carries can be checked.</summary>
    NotCanonicalJson,
}

/// <summary>The result of checking one server's signature with one key.</summary>
public readonly record struct SignatureCheck(SignatureStatus Status, string ServerName, SigningKeyId KeyId, string? Detail = null)
{
    public bool IsValid => Status == SignatureStatus.Valid;

    public override string ToString() =>
        $"{Status} for {ServerName} {KeyId}{(Detail is null ? "" : ": " + Detail)}";
}

/// <summary>A <c>signatures</c> property that cannot hold a new signature (not an object, or a server entry that is not).</summary>
public sealed class SignatureFormatException(string message) : FormatException(message);
