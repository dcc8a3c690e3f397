using System.Text.Json.Nodes;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Workers.Host.Internal;

namespace Cluster.Workers.EventCreator.Membership;

/// <summary>
/// <c>POST /_internal/profile/propagate</c> <c>{user_id, displayname, avatar_url}</c>: a role that
/// changed a local user's profile (the client reader) asks this creator to update the user's
/// member events. Answers once every joined room was tried.
/// </summary>
public static class ProfilePropagationEndpoint
{
    public const string Path = "profile/propagate";

    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapInternal().MapPost(Path, async (HttpContext context, MemberProfilePropagation propagation) =>
        {
            var body = await RequestBody.ReadObjectAsync(context);
            if (!UserId.TryParse(body.RequiredString("user_id"), out var user))
                throw MatrixException.InvalidParam("'user_id' is not a user ID.");
            await propagation.PropagateAsync(user, body.OptionalString("displayname"), body.OptionalString("avatar_url"),
                context.RequestAborted);
            return Results.Json(new JsonObject());
        });
}
