using System.Text.Json.Nodes;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Accounts;
using Cluster.Workers.Host;

namespace Cluster.Workers.ClientReader.Presence;

/// <summary>
/// Presence as a homeserver with presence disabled serves it: a user's status updates are
/// validated and accepted but not stored or sent anywhere, and everyone reads as offline. The
/// presence stream comes with a later issue; until then /sync carries no presence events.
/// </summary>
public sealed class PresenceModule : IRoleModule
{
    private const int MaxStatusMessageLength = 1024;

    public string Name => "client_reader";

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.ClientV3().MapGet("presence/{userId}/status", async (string userId, UserStore users, HttpContext context) =>
        {
            var user = ParseUser(userId);
            if (!await users.ExistsAsync(user, context.RequestAborted))
                throw MatrixException.NotFound("Unknown user");
            return Results.Json(new JsonObject { ["presence"] = "offline" });
        }).RequireAccessToken();

        endpoints.ClientV3().MapPut("presence/{userId}/status", async (string userId, HttpContext context) =>
        {
            var user = ParseUser(userId);
            if (user != context.Requester().User)
                throw MatrixException.Forbidden("You cannot set the presence of another user");
            var body = await RequestBody.ReadObjectAsync(context);
            if (body["presence"] is not JsonValue presence || !presence.TryGetValue<string>(out var state)
                || state is not ("online" or "offline" or "unavailable"))
                throw MatrixException.BadJson("presence must be one of online, offline, unavailable");
            if (body["status_msg"] is { } message
                && (message is not JsonValue value || !value.TryGetValue<string>(out var text) || text.Length > MaxStatusMessageLength))
                throw MatrixException.BadJson($"status_msg must be a string of at most {MaxStatusMessageLength} characters");
            return Results.Json(new JsonObject());
        }).RequireAccessToken();
    }

    private static UserId ParseUser(string userId) =>
        UserId.TryParse(userId, out var user) ? user : throw MatrixException.InvalidParam("Not a user ID");
}
