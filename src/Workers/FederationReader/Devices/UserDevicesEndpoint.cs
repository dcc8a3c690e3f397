using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Accounts;
using Cluster.Workers.FederationReader.Authentication;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.FederationReader.Devices;

/// <summary>
/// <c>GET /_matrix/federation/v1/user/devices/{userId}</c>: a local user's devices, for another
/// server. Each device has its <c>device_id</c> and, when set, <c>device_display_name</c>; the spec's
/// <c>keys</c> are left out, as Synapse leaves them out for a device that uploaded none, since
/// end-to-end encryption keys are not built. <c>stream_id</c> is the version of the user's device
/// list (<see cref="DeviceStore.GetListVersionAsync"/>): it moves whenever a device is added,
/// renamed or removed and never goes back. Another server's user is a 400, as Synapse answers
/// ("not hosted on this homeserver"); a local user who does not exist is a 404.
/// </summary>
public static class UserDevicesEndpoint
{
    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/_matrix/federation/v1/user/devices/{userId}", async (
            HttpContext context, UserStore users, DeviceStore devices, IOptions<ClusterOptions> cluster) =>
        {
            var text = PathValues.Get(context, "userId");
            if (!UserId.TryParse(text, out var user))
                throw MatrixException.InvalidParam($"'{text}' is not a user ID.");
            if (!user.ServerNameSpan.SequenceEqual(cluster.Value.ServerName))
                throw MatrixException.InvalidParam($"{user} is not a user of this server.");
            var ct = context.RequestAborted;
            if (!await users.ExistsAsync(user, ct))
                throw MatrixException.NotFound($"{user} does not exist.");
            var version = await devices.GetListVersionAsync(user, ct);
            var list = new JsonArray();
            foreach (var device in await devices.ListAsync(user, ct))
            {
                var entry = new JsonObject { ["device_id"] = device.DeviceId };
                if (device.DisplayName is { Length: > 0 } name)
                    entry["device_display_name"] = name;
                list.Add(entry);
            }
            return Results.Json(new JsonObject { ["user_id"] = user.ToString(), ["stream_id"] = version, ["devices"] = list });
        }).RequireFederationAuth();
}
