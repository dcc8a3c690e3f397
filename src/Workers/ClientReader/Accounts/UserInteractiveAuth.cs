using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cluster.Shared.Http;
using Cluster.Shared.Http.RateLimiting;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Accounts;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.ClientReader.Accounts;

/// <summary>The auth types this server offers as user-interactive auth stages.</summary>
public static class AuthTypes
{
    public const string Password = "m.login.password";
    public const string Dummy = "m.login.dummy";
    public const string RegistrationToken = "m.login.registration_token";
}

/// <summary>What an operation asks of user-interactive auth: a name binding the session to it, whose it is, and the flows that satisfy it.</summary>
public sealed record UiaRequirement(string Purpose, UserId? User, IReadOnlyList<string[]> Flows);

/// <summary>
/// The spec's user-interactive authentication. A request without <c>auth</c> starts a session
/// and gets 401 with the flows; each attempt completes a stage or gets 401 with errcode; once
/// every stage of one flow is done the operation runs. Sessions live in PostgreSQL, bound to the
/// operation and user they were started for.
/// </summary>
public sealed class UserInteractiveAuth(
    UiAuthSessionStore sessions, PasswordAuthenticator passwords, IOptionsMonitor<RegistrationOptions> registration,
    TokenBucketRateLimiter limiter)
{
    /// <summary>
    /// Returns the completed session's ID (delete it with <see cref="FinishAsync"/> once the
    /// operation succeeded); otherwise throws <see cref="UiaChallengeException"/>.
    /// </summary>
    public async Task<string> RequireAsync(JsonObject body, UiaRequirement requirement, CancellationToken ct)
    {
        var auth = body.OptionalObject("auth");
        if (auth is null)
            throw Challenge(await sessions.CreateAsync(requirement.Purpose, requirement.User, ct), requirement);

        var session = auth.OptionalString("session") is { } sessionId
            ? await sessions.GetAsync(sessionId, ct)
            : await sessions.CreateAsync(requirement.Purpose, requirement.User, ct);
        // A session started for another operation or user must not authorise this one.
        if (session is null || session.Purpose != requirement.Purpose || session.User != requirement.User)
            throw new MatrixException(StatusCodes.Status400BadRequest, ErrCodes.Unknown, "Unknown or expired auth session");

        var completed = session.Completed;
        if (auth.OptionalString("type") is { } type && !completed.Contains(type))
        {
            if (!requirement.Flows.Any(flow => flow.Contains(type)))
                throw Challenge(session, requirement, ErrCodes.Unknown, $"Auth type '{type}' is not offered here");
            if (await CheckStageAsync(type, auth, requirement, ct) is { } failure)
                throw Challenge(session, requirement, ErrCodes.Forbidden, failure);
            completed = await sessions.CompleteStageAsync(session.SessionId, type, ct);
        }
        if (requirement.Flows.Any(flow => flow.All(completed.Contains)))
            return session.SessionId;
        throw Challenge(session with { Completed = completed }, requirement);
    }

    public Task FinishAsync(string sessionId, CancellationToken ct) => sessions.DeleteAsync(sessionId, ct);

    /// <summary>Null when the stage succeeded, else why it failed.</summary>
    private async Task<string?> CheckStageAsync(string type, JsonObject auth, UiaRequirement requirement, CancellationToken ct)
    {
        switch (type)
        {
            case AuthTypes.Dummy:
                return null;
            case AuthTypes.RegistrationToken:
                var expected = registration.CurrentValue.Token;
                var given = auth.OptionalString("token");
                return expected is { Length: > 0 } && given is not null && TokensEqual(given, expected)
                    ? null
                    : "Invalid registration token";
            case AuthTypes.Password:
                // A stolen access token must not become a way to guess the password faster than /login allows.
                if (requirement.User is { } user && !limiter.TryAcquire(RateLimitAction.Login, "account:" + user, out var retryAfter))
                    throw MatrixException.LimitExceeded(retryAfter);
                try
                {
                    var account = await passwords.AuthenticateAsync(auth, ct);
                    return account.UserId == requirement.User ? null : "The credentials are not the requester's";
                }
                catch (MatrixException e) when (e.Status == StatusCodes.Status403Forbidden)
                {
                    return e.Message;
                }
            default:
                return $"Auth type '{type}' is not supported";
        }
    }

    public static bool TokensEqual(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    private static UiaChallengeException Challenge(UiAuthSession session, UiaRequirement requirement, string? errcode = null, string? error = null)
    {
        var body = new JsonObject();
        if (errcode is not null)
        {
            body["errcode"] = errcode;
            body["error"] = error;
        }
        body["flows"] = new JsonArray(requirement.Flows
            .Select(flow => (JsonNode)new JsonObject { ["stages"] = new JsonArray(flow.Select(s => (JsonNode)s).ToArray()) })
            .ToArray());
        body["params"] = new JsonObject();
        body["session"] = session.SessionId;
        if (session.Completed.Count > 0)
            body["completed"] = new JsonArray(session.Completed.Select(s => (JsonNode)s).ToArray());
        return new UiaChallengeException(body);
    }
}

/// <summary>The 401 that tells the client which stages remain; <see cref="UiaEndpointFilter"/> writes it.</summary>
public sealed class UiaChallengeException(JsonObject body) : Exception("User-interactive authentication required")
{
    public JsonObject Body { get; } = body;
}

/// <summary>Answers a <see cref="UiaChallengeException"/> with its 401 body, which carries no errcode unless a stage failed.</summary>
public static class UiaEndpointFilter
{
    public static TBuilder WithUserInteractiveAuth<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context);
            }
            catch (UiaChallengeException challenge)
            {
                return Results.Json(challenge.Body, statusCode: StatusCodes.Status401Unauthorized);
            }
        });
}
