using Cluster.Shared.Http;

namespace Cluster.Workers.FederationReader.Rooms;

/// <summary>The path and query values the room endpoints share, checked with the spec's 400 errors.</summary>
public static class FederationRoomParams
{
    public static string RoomIdFromPath(HttpContext context) =>
        RequestValues.RoomId(PathValues.Get(context, "roomId")).ToString();

    /// <summary>A required event ID in the query: 400 M_MISSING_PARAM when absent, M_INVALID_PARAM when malformed or repeated.</summary>
    public static string EventIdFromQuery(HttpContext context, string name)
    {
        var values = context.Request.Query[name];
        if (values.Count == 0 || string.IsNullOrEmpty(values[0]))
            throw MatrixException.MissingParam($"{name} is required.");
        if (values.Count > 1)
            throw MatrixException.InvalidParam($"{name} must be given once.");
        return RequestValues.EventId(values[0]).ToString();
    }

    /// <summary>
    /// A non-negative count, capped at <paramref name="max"/> (a larger one is read as the cap rather
    /// than refused, however many digits it has): 400 M_INVALID_PARAM when not a number.
    /// </summary>
    public static int Limit(string? text, string name, int max)
    {
        if (string.IsNullOrEmpty(text) || !text.All(char.IsAsciiDigit))
            throw MatrixException.InvalidParam($"{name} must be a non-negative integer.");
        var significant = text.TrimStart('0');
        return significant.Length > 9 ? max : Math.Min(significant.Length == 0 ? 0 : int.Parse(significant), max);
    }
}
