using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Profiles;
using Cluster.Shared.Storage.Accounts;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.ClientReader.Accounts;

/// <summary>
/// <c>GET /profile/{userId}</c>, <c>GET/PUT /profile/{userId}/displayname</c> and
/// <c>/avatar_url</c>. Other servers' users are asked of their server (<see cref="RemoteProfiles"/>).
/// A change is handed to every <see cref="IProfileChangePropagation"/>.
/// </summary>
internal static class ProfileEndpoints
{
    private const string DisplayName = "displayname";
    private const string AvatarUrl = "avatar_url";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.ClientV3().MapGet("profile/{userId}", GetProfileAsync);
        app.ClientV3().MapGet("profile/{userId}/displayname", (HttpContext c, ProfileStore p, RemoteProfiles r, IOptions<ClusterOptions> o) => GetFieldAsync(c, p, r, o, DisplayName));
        app.ClientV3().MapGet("profile/{userId}/avatar_url", (HttpContext c, ProfileStore p, RemoteProfiles r, IOptions<ClusterOptions> o) => GetFieldAsync(c, p, r, o, AvatarUrl));
        app.ClientV3().MapPut("profile/{userId}/displayname", (HttpContext c, ProfileStore p, IEnumerable<IProfileChangePropagation> s, ILogger<ProfileStore> l) => SetFieldAsync(c, p, s, l, DisplayName))
            .RequireAccessToken();
        app.ClientV3().MapPut("profile/{userId}/avatar_url", (HttpContext c, ProfileStore p, IEnumerable<IProfileChangePropagation> s, ILogger<ProfileStore> l) => SetFieldAsync(c, p, s, l, AvatarUrl))
            .RequireAccessToken();
    }

    private static async Task<IResult> GetProfileAsync(HttpContext context, ProfileStore profiles, RemoteProfiles remote, IOptions<ClusterOptions> cluster)
    {
        var profile = await LoadAsync(context, profiles, remote, cluster, null);
        var body = new JsonObject();
        if (profile.DisplayName is { } name)
            body[DisplayName] = name;
        if (profile.AvatarUrl is { } url)
            body[AvatarUrl] = url;
        return Results.Json(body);
    }

    private static async Task<IResult> GetFieldAsync(
        HttpContext context, ProfileStore profiles, RemoteProfiles remote, IOptions<ClusterOptions> cluster, string field)
    {
        var profile = await LoadAsync(context, profiles, remote, cluster, field);
        var value = field == DisplayName ? profile.DisplayName : profile.AvatarUrl;
        return Results.Json(value is null ? new JsonObject() : new JsonObject { [field] = value });
    }

    private static async Task<Profile> LoadAsync(
        HttpContext context, ProfileStore profiles, RemoteProfiles remote, IOptions<ClusterOptions> cluster, string? field)
    {
        var user = PathUser(context);
        if (!user.ServerNameSpan.SequenceEqual(cluster.Value.ServerName))
            return await remote.GetAsync(user, field, context.RequestAborted);
        return await profiles.GetAsync(user, context.RequestAborted) ?? throw MatrixException.NotFound("Profile not found");
    }

    private static async Task<IResult> SetFieldAsync(
        HttpContext context, ProfileStore profiles, IEnumerable<IProfileChangePropagation> propagations, ILogger logger, string field)
    {
        var ct = context.RequestAborted;
        var user = PathUser(context);
        if (user != context.Requester().User)
            throw MatrixException.Forbidden("You can only change your own profile");
        var body = await RequestBody.ReadObjectAsync(context);
        var value = body.OptionalString(field);
        // An empty value removes the field, as clients send "" to clear it.
        if (value is "")
            value = null;
        if (field == DisplayName)
            value = value.Limit(field, ProfileStore.MaxDisplayNameLength);
        else
        {
            value = value.Limit(field, ProfileStore.MaxAvatarUrlLength);
            if (value is not null && !value.StartsWith("mxc://", StringComparison.Ordinal))
                throw MatrixException.InvalidParam("'avatar_url' must be an mxc:// URI");
        }

        var profile = field == DisplayName
            ? await profiles.SetDisplayNameAsync(user, value, ct)
            : await profiles.SetAvatarUrlAsync(user, value, ct);
        if (profile is null)
            throw MatrixException.NotFound("Profile not found");

        foreach (var propagation in propagations)
        {
            try
            {
                await propagation.PropagateAsync(user, profile.DisplayName, profile.AvatarUrl, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The profile itself changed; rooms that missed the change keep the old member event.
                logger.LogError(e, "Propagating the profile change of {User} through {Propagation} failed", user, propagation.GetType().Name);
            }
        }
        return Results.Json(new JsonObject());
    }

    private static UserId PathUser(HttpContext context) =>
        UserId.TryParse(PathValues.Get(context, "userId"), out var user)
            ? user
            : throw MatrixException.InvalidParam("The path does not hold a valid user ID");
}
