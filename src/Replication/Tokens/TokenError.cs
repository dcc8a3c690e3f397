namespace Cluster.Replication.Tokens;

/// <summary>Why a string is not a valid stream token. The HTTP layer answers all of them with 400 M_INVALID_PARAM.</summary>
public enum TokenError
{
    None,
    Null,
    Empty,
    /// <summary>Longer than <see cref="TokenLimits.MaxLength"/>: no token we mint comes near it.</summary>
    TooLong,
    /// <summary>The first character names no form this kind of token has (for example not <c>s</c>, <c>t</c> or <c>m</c>).</summary>
    UnknownForm,
    /// <summary>A topological (<c>t</c>) token where only a live position is meaningful, as in a /sync token.</summary>
    TopologicalNotAllowed,
    /// <summary>A number is missing: an empty segment between separators, or a separator at the end.</summary>
    MissingNumber,
    /// <summary>The token stops where a separator was required.</summary>
    Truncated,
    /// <summary>A character that is not an ASCII digit or the separator the grammar expects there.</summary>
    InvalidCharacter,
    /// <summary>A number written with a leading zero; we never mint one, so each value has exactly one spelling.</summary>
    LeadingZero,
    /// <summary>A position beyond <see cref="long.MaxValue"/> or a writer ID beyond <see cref="int.MaxValue"/>.</summary>
    NumberTooLarge,
    /// <summary>The multi-writer form <c>m{min}</c> with no writer entries; a lone position is written without the <c>m</c>.</summary>
    MissingWriters,
    /// <summary>The same writer ID listed twice.</summary>
    DuplicateWriter,
    /// <summary>Writer IDs not in ascending order.</summary>
    WritersOutOfOrder,
    /// <summary>A writer listed at or below the minimum; such writers are left out, so the listing is not one we minted.</summary>
    WriterNotAheadOfMinimum,
    /// <summary>More fields than any version of the /sync token could have.</summary>
    TooManyFields,
}

/// <summary>What kind of token failed to parse, for error messages.</summary>
public enum TokenKind
{
    /// <summary>A bare <see cref="StreamPositionVector"/>: <c>{pos}</c> or <c>m{min}~{writer}.{pos}...</c>.</summary>
    StreamPosition,
    /// <summary>A <see cref="RoomStreamToken"/>: <c>s{pos}</c>, <c>t{depth}-{pos}</c> or <c>m{min}~...</c>.</summary>
    RoomStream,
    /// <summary>A <see cref="SyncToken"/> (<c>since</c> and <c>next_batch</c> of /sync).</summary>
    Sync,
}

public static class TokenErrorExtensions
{
    public static string Describe(this TokenError error) => error switch
    {
        TokenError.None => "no error",
        TokenError.Null => "the token is missing",
        TokenError.Empty => "the token is empty",
        TokenError.TooLong => $"the token is longer than {TokenLimits.MaxLength} characters",
        TokenError.UnknownForm => "the token does not start with a known form",
        TokenError.TopologicalNotAllowed => "a topological token is not accepted here",
        TokenError.MissingNumber => "a number is missing",
        TokenError.Truncated => "the token ends early",
        TokenError.InvalidCharacter => "it contains an unexpected character",
        TokenError.LeadingZero => "a number has a leading zero",
        TokenError.NumberTooLarge => "a number is too large",
        TokenError.MissingWriters => "the multi-writer form lists no writers",
        TokenError.DuplicateWriter => "a writer is listed twice",
        TokenError.WritersOutOfOrder => "writers are not in ascending order",
        TokenError.WriterNotAheadOfMinimum => "a writer is listed at or below the minimum position",
        TokenError.TooManyFields => "the token has too many fields",
        _ => error.ToString(),
    };
}
