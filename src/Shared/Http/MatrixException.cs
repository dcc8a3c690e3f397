using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Cluster.Shared.Http;

/// <summary>
/// A request failed in a way the spec names: thrown anywhere below an endpoint and turned into
/// <c>{"errcode", "error", ...}</c> with <see cref="Status"/> by <see cref="MatrixErrorMiddleware"/>.
/// </summary>
public sealed class MatrixException(int status, string errcode, string message, JsonObject? extra = null) : Exception(message)
{
    public int Status { get; } = status;
    public string ErrCode { get; } = errcode;

    /// <summary>Fields the error carries beside errcode and error (retry_after_ms, soft_logout, ...).</summary>
    public JsonObject? Extra { get; } = extra;

    public static MatrixException Forbidden(string message) => new(StatusCodes.Status403Forbidden, ErrCodes.Forbidden, message);
    public static MatrixException NotFound(string message) => new(StatusCodes.Status404NotFound, ErrCodes.NotFound, message);
    public static MatrixException BadJson(string message) => new(StatusCodes.Status400BadRequest, ErrCodes.BadJson, message);
    public static MatrixException NotJson(string message) => new(StatusCodes.Status400BadRequest, ErrCodes.NotJson, message);
    public static MatrixException MissingParam(string message) => new(StatusCodes.Status400BadRequest, ErrCodes.MissingParam, message);
    public static MatrixException InvalidParam(string message) => new(StatusCodes.Status400BadRequest, ErrCodes.InvalidParam, message);
    public static MatrixException Unrecognized(string message = "Unrecognized request") =>
        new(StatusCodes.Status404NotFound, ErrCodes.Unrecognized, message);
    public static MatrixException MissingToken() =>
        new(StatusCodes.Status401Unauthorized, ErrCodes.MissingToken, "Missing access token");
    public static MatrixException UnknownToken(bool softLogout = false) =>
        new(StatusCodes.Status401Unauthorized, ErrCodes.UnknownToken, "Unrecognised access token",
            new JsonObject { ["soft_logout"] = softLogout });
    public static MatrixException TooLarge(string message = "Request body too large") =>
        new(StatusCodes.Status413PayloadTooLarge, ErrCodes.TooLarge, message);
    public static MatrixException LimitExceeded(TimeSpan retryAfter) =>
        new(StatusCodes.Status429TooManyRequests, ErrCodes.LimitExceeded, "Too many requests",
            new JsonObject { ["retry_after_ms"] = (long)Math.Ceiling(retryAfter.TotalMilliseconds) });
}

/// <summary>The spec's error codes, so a typo is a compile error rather than a client bug.</summary>
public static class ErrCodes
{
    public const string Forbidden = "M_FORBIDDEN";
    public const string UnknownToken = "M_UNKNOWN_TOKEN";
    public const string MissingToken = "M_MISSING_TOKEN";
    public const string BadJson = "M_BAD_JSON";
    public const string NotJson = "M_NOT_JSON";
    public const string NotFound = "M_NOT_FOUND";
    public const string LimitExceeded = "M_LIMIT_EXCEEDED";
    public const string Unrecognized = "M_UNRECOGNIZED";
    public const string Unknown = "M_UNKNOWN";
    public const string Unauthorized = "M_UNAUTHORIZED";
    public const string UserDeactivated = "M_USER_DEACTIVATED";
    public const string UserInUse = "M_USER_IN_USE";
    public const string InvalidUsername = "M_INVALID_USERNAME";
    public const string RoomInUse = "M_ROOM_IN_USE";
    public const string InvalidRoomState = "M_INVALID_ROOM_STATE";
    public const string BadAlias = "M_BAD_ALIAS";
    public const string UnsupportedRoomVersion = "M_UNSUPPORTED_ROOM_VERSION";
    public const string IncompatibleRoomVersion = "M_INCOMPATIBLE_ROOM_VERSION";
    public const string BadState = "M_BAD_STATE";
    public const string GuestAccessForbidden = "M_GUEST_ACCESS_FORBIDDEN";
    public const string MissingParam = "M_MISSING_PARAM";
    public const string InvalidParam = "M_INVALID_PARAM";
    public const string TooLarge = "M_TOO_LARGE";
    public const string Exclusive = "M_EXCLUSIVE";
    public const string WeakPassword = "M_WEAK_PASSWORD";
}
