using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Accounts;
using Cluster.Workers.FederationReader.Authentication;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.FederationReader.Queries;

/// <summary>
/// <c>GET /_matrix/federation/v1/query/profile</c>: a local user's display name and avatar, for
/// another server's users. Authenticated with X-Matrix.
/// </summary>
public static class ProfileQueryEndpoint
{
    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/_matrix/federation/v1/query/profile", async (
            HttpContext context, ProfileStore profiles, IOptions<ClusterOptions> cluster) =>
        {
            var query = context.Request.Query;
            if (query["user_id"] is not { Count: 1 } userValues || userValues[0] is not { Length: > 0 } userText)
                throw MatrixException.MissingParam("user_id is required.");
            if (!UserId.TryParse(userText, out var user))
                throw MatrixException.InvalidParam($"'{userText}' is not a user ID.");
            if (user.ServerName.ToString() != cluster.Value.ServerName)
                throw MatrixException.InvalidParam($"{user} is not a user of this server.");
            string? field = null;
            if (query.TryGetValue("field", out var fields))
            {
                field = fields.Count == 1 ? fields[0] : null;
                if (field is not ("displayname" or "avatar_url"))
                    throw MatrixException.InvalidParam("field must be displayname or avatar_url.");
            }
            var profile = await profiles.GetAsync(user, context.RequestAborted)
                          ?? throw MatrixException.NotFound("No such user.");
            var body = new JsonObject();
            if (field is null or "displayname" && profile.DisplayName is { } name) body["displayname"] = name;
            if (field is null or "avatar_url" && profile.AvatarUrl is { } avatar) body["avatar_url"] = avatar;
            return Results.Json(body);
        }).RequireFederationAuth();
}
