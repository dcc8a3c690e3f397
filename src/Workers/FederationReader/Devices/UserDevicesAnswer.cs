using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Storage.Accounts;
using Cluster.Shared.Storage.Federation;

namespace Cluster.Workers.FederationReader.Devices;

/// <summary>
/// Another server's answer to <c>GET /_matrix/federation/v1/user/devices/{userId}</c>
/// (<c>{user_id, stream_id, devices: [{device_id, device_display_name?, keys?}]}</c>), trusted only
/// as far as its shape: the user must be the one asked about and stream_id an integer; a device
/// without a usable device_id is left out, a display name that is not a string of at most
/// <see cref="DeviceStore.MaxDisplayNameLength"/> characters is dropped. Keys are not kept
/// (end-to-end encryption is not built).
/// </summary>
public static class UserDevicesAnswer
{
    public static bool TryRead(
        JsonNode? body, string userId, out long streamId, [NotNullWhen(true)] out IReadOnlyList<RemoteDevice>? devices)
    {
        streamId = 0;
        devices = null;
        if (body is not JsonObject answer || Pdu.StringOf(answer["user_id"]) != userId
            || Pdu.IntegerOf(answer["stream_id"]) is not { } version || answer["devices"] is not JsonArray list)
            return false;
        var found = new List<RemoteDevice>();
        foreach (var node in list)
        {
            if (node is not JsonObject device || Pdu.StringOf(device["device_id"]) is not { Length: > 0 and <= DeviceStore.MaxDeviceIdLength } deviceId)
                continue;
            var name = Pdu.StringOf(device["device_display_name"]);
            found.Add(new RemoteDevice(deviceId, name is { Length: > 0 and <= DeviceStore.MaxDisplayNameLength } ? name : null));
        }
        streamId = version;
        devices = found;
        return true;
    }
}
