namespace Cluster.Shared.Json;

/// <summary>Why <see cref="StrictJson"/> refused a document.</summary>
public enum InvalidJsonReason
{
    /// <summary>Not well-formed JSON: a bad token, a comment, a trailing comma, a NaN or Infinity literal, a byte-order mark, or anything after the top-level value.</summary>
    NotJson,
    /// <summary>The bytes are not well-formed UTF-8 (stray or missing continuation bytes, overlong forms, encoded surrogates, code points above U+10FFFF).</summary>
    InvalidUtf8,
    /// <summary>The input ended before the document did (this includes empty input).</summary>
    Truncated,
    /// <summary>The input is longer than <see cref="StrictJsonOptions.MaxInputBytes"/>.</summary>
    TooLarge,
    /// <summary>An object has the same key twice, compared after unescaping.</summary>
    DuplicateKey,
    /// <summary>Objects and arrays nest deeper than <see cref="StrictJsonOptions.MaxDepth"/>.</summary>
    TooDeep,
    /// <summary>A <c>\u</c> escape names half of a surrogate pair without the other half, which no UTF-8 text can hold.</summary>
    LoneSurrogate,
    /// <summary>With strict canonical numbers, an integer outside [-(2^53)+1, 2^53-1]; in any mode, a number beyond the range of a double.</summary>
    NumberOutOfRange,
    /// <summary>With strict canonical numbers, a number written with a fraction or an exponent.</summary>
    FloatNotAllowed,
    /// <summary>The top-level value is not the object the caller asked for.</summary>
    NotAnObject,
}

/// <summary>Untrusted input was refused; <see cref="Reason"/> says why in a form code can act on.</summary>
public sealed class InvalidJsonException(InvalidJsonReason reason, string message) : Exception(message)
{
    public InvalidJsonReason Reason { get; } = reason;

    /// <summary>
    /// The Matrix error code a request carrying this input earns: M_NOT_JSON when it is not JSON
    /// we can read at all, M_BAD_JSON when it is JSON the rules forbid (room version 6+ numbers,
    /// a non-object body).
    /// </summary>
    public string MatrixErrorCode => Reason is InvalidJsonReason.NumberOutOfRange or InvalidJsonReason.FloatNotAllowed
        or InvalidJsonReason.NotAnObject ? "M_BAD_JSON" : "M_NOT_JSON";
}
