using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Cluster.Shared.Http;
using Cluster.Shared.Json;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.ClientReader.Filters;
using Microsoft.Extensions.Primitives;

namespace Cluster.Workers.ClientReader.Messages;

/// <summary>The query parameters /messages and /context share, read strictly (400 for anything malformed).</summary>
public static class PaginationQuery
{
    public const int DefaultLimit = 10;

    /// <summary>Larger limits are served as this many: it bounds the work of one request.</summary>
    public const int MaxLimit = 1000;

    public static PaginationDirection Direction(StringValues values) => Single(values, "dir") switch
    {
        "b" => PaginationDirection.Backwards,
        "f" => PaginationDirection.Forwards,
        null => throw MatrixException.InvalidParam("'dir' is required: 'b' or 'f'."),
        _ => throw MatrixException.InvalidParam("'dir' must be 'b' or 'f'."),
    };

    /// <summary>
    /// <c>limit</c>: a decimal integer of at least <paramref name="minimum"/>; absent, the filter's
    /// limit or <see cref="DefaultLimit"/>; capped at <see cref="MaxLimit"/>.
    /// </summary>
    public static int Limit(StringValues values, int? filterLimit, int minimum)
    {
        var text = Single(values, "limit");
        if (text is null)
            return Math.Min(filterLimit ?? DefaultLimit, MaxLimit);
        if (text.Length == 0 || !text.All(char.IsAsciiDigit))
            throw MatrixException.InvalidParam($"'limit' must be an integer of at least {minimum}.");
        // Any run of digits is a number; beyond nine digits only "more than the cap" matters.
        var digits = text.TrimStart('0');
        var limit = digits.Length == 0 ? 0
            : digits.Length > 9 ? MaxLimit
            : Math.Min(int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture), MaxLimit);
        if (limit < minimum)
            throw MatrixException.InvalidParam($"'limit' must be an integer of at least {minimum}.");
        return limit;
    }

    /// <summary><c>filter</c>: an inline RoomEventFilter as JSON; absent, no filter.</summary>
    public static RoomEventFilter Filter(StringValues values)
    {
        var text = Single(values, "filter");
        if (string.IsNullOrEmpty(text))
            return RoomEventFilter.All;
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length > FilterParser.MaxFilterBytes)
            throw MatrixException.TooLarge($"Filters are limited to {FilterParser.MaxFilterBytes} bytes.");
        JsonObject json;
        try
        {
            json = StrictJson.ParseObject(bytes);
        }
        catch (InvalidJsonException e)
        {
            throw MatrixException.BadJson($"'filter' is not a JSON object: {e.Message}");
        }
        return FilterParser.ParseRoomEventFilter(json);
    }

    /// <summary>An optional token parameter.</summary>
    public static PaginationToken? Token(StringValues values, string name)
    {
        var text = Single(values, name);
        return string.IsNullOrEmpty(text) ? null : PaginationToken.Parse(text, name);
    }

    /// <summary>The parameter's value; a parameter given twice is ambiguous and refused.</summary>
    public static string? Single(StringValues values, string name) => values.Count switch
    {
        0 => null,
        1 => values[0],
        _ => throw MatrixException.InvalidParam($"'{name}' is given more than once."),
    };
}
