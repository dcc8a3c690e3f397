using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using EventId = Cluster.Shared.Identifiers.EventId;

namespace Cluster.Workers.StreamWriters.Common;

/// <summary>Identifiers from request paths and bodies, checked the same way by every endpoint here.</summary>
public static class RequestIds
{
    /// <summary>Event types, transaction IDs and the like longer than this are refused.</summary>
    public const int MaxOpaqueLength = 255;

    /// <summary>
    /// The path's user ID must be the requester's own: users may only touch their own typing,
    /// account data, filters. Anything else, well-formed or not, is 403 M_FORBIDDEN.
    /// </summary>
    public static UserId RequireSelf(HttpContext context, string pathUserId, string what)
    {
        var requester = context.Requester();
        if (!string.Equals(Decode(pathUserId), requester.User.ToString(), StringComparison.Ordinal))
            throw MatrixException.Forbidden($"Cannot {what} for other users.");
        return requester.User;
    }

    /// <summary>A room ID from the path; malformed is 400 M_INVALID_PARAM.</summary>
    public static RoomId Room(string pathRoomId) =>
        RoomId.TryParse(Decode(pathRoomId), out var roomId)
            ? roomId
            : throw MatrixException.InvalidParam("Not a valid room ID.");

    /// <summary>An event ID from the path or a body; malformed is 400 M_INVALID_PARAM.</summary>
    public static EventId Event(string eventId) =>
        EventId.TryParse(Decode(eventId), out var parsed)
            ? parsed
            : throw MatrixException.InvalidParam($"'{eventId}' is not a valid event ID.");

    /// <summary>A non-empty string of bounded length from the path (event types, transaction IDs).</summary>
    public static string Opaque(string value, string name)
    {
        value = Decode(value);
        if (value.Length == 0)
            throw MatrixException.InvalidParam($"The {name} must not be empty.");
        if (value.Length > MaxOpaqueLength)
            throw MatrixException.InvalidParam($"The {name} is longer than {MaxOpaqueLength} characters.");
        return value;
    }

    /// <summary>
    /// Route values arrive decoded except for %2F, which the server keeps encoded so that it
    /// cannot split a segment. Identifiers may hold '/' (room version 3 event IDs do).
    /// </summary>
    public static string Decode(string value) =>
        value.Contains('%') ? value.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase) : value;
}
