using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Cluster.Replication.Hosting;
using Cluster.Replication.Notifier;
using Cluster.Replication.Streams.Common;
using Cluster.Replication.Streams.ToDevice;
using Cluster.Shared.Configuration;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Json;
using Cluster.Shared.Storage.Federation;
using Cluster.Workers.StreamWriters.Common;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Cluster.Workers.StreamWriters.ToDevice;

/// <summary>
/// Queues send-to-device messages for local devices, one row per recipient device, together
/// with the sender's transaction ID so that a retried request sends nothing twice; messages for
/// other servers' users go, in the same transaction, into the durable federation outbox as one
/// <c>m.direct_to_device</c> EDU per server. Runs on the instance that writes the to-device stream.
/// </summary>
public sealed class ToDeviceSender(
    StreamHost<ToDeviceRow> stream, NpgsqlDataSource dataSource, StreamNotifier notifier,
    IOptions<ClusterOptions> options, ILogger<ToDeviceSender> logger) : IToDeviceSender
{
    /// <summary>A request may reach at most this many devices ("*" included), so one request cannot flood the inboxes.</summary>
    public const int MaxRecipientDevices = 10_000;

    Task IToDeviceSender.SendAsync(
        UserId sender, string senderDevice, string type, string txnId, JsonObject messages, CancellationToken cancellationToken) =>
        SendAsync(sender, senderDevice, type, txnId, messages, cancellationToken);

    /// <summary>
    /// Parses <c>messages</c> ({user ID: {device ID or "*": content}}) and queues them. Returns where
    /// the local messages landed; null when none were queued for local devices (a transaction ID
    /// this device used before, no such devices, or only remote users).
    /// </summary>
    public async Task<StreamWritten?> SendAsync(
        UserId sender, string senderDevice, string type, string txnId, JsonObject messages, CancellationToken cancellationToken)
    {
        var serverName = options.Value.ServerName;
        var local = new Dictionary<string, Dictionary<string, byte[]>>(StringComparer.Ordinal);
        var remote = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var remoteDevices = 0;
        foreach (var (userKey, devicesNode) in messages)
        {
            if (!UserId.TryParse(userKey, out var user))
                throw MatrixException.InvalidParam($"'{userKey}' is not a valid user ID.");
            if (devicesNode is not JsonObject devices)
                throw MatrixException.BadJson($"The messages for {userKey} must be an object of device IDs.");
            var contents = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var (deviceId, content) in devices)
            {
                if (content is not JsonObject contentObject)
                    throw MatrixException.BadJson($"The message for {userKey}'s device {deviceId} must be an object.");
                contents[deviceId] = CanonicalJson.Encode(contentObject);
            }
            if (user.ServerNameSpan.SequenceEqual(serverName))
            {
                local[user.ToString()] = contents;
                continue;
            }
            var server = user.ServerNameSpan.ToString();
            if (!remote.TryGetValue(server, out var forServer))
                remote[server] = forServer = [];
            forServer[userKey] = devices.DeepClone();
            remoteDevices += devices.Count;
        }
        if (remoteDevices > MaxRecipientDevices)
            throw MatrixException.InvalidParam($"A request may reach at most {MaxRecipientDevices} devices.");

        var senderId = sender.ToString();
        var rows = await StreamTransaction.WriteAsync(stream, dataSource, async (connection, transaction, ct) =>
        {
            if (!await RecordTransactionAsync(connection, senderId, senderDevice, txnId, ct))
                return [];
            await DurableEduOutbox.EnqueueAsync(connection, transaction, DirectToDeviceEdus(senderId, type, remote), ct);
            var known = await KnownDevicesAsync(connection, local.Keys, ct);
            var data = new List<ToDeviceRow>();
            foreach (var (userId, contents) in local)
            {
                if (!known.TryGetValue(userId, out var devices))
                    continue;
                contents.TryGetValue("*", out var everyDevice);
                foreach (var deviceId in devices)
                {
                    // A device named on its own gets its own message rather than the "*" one.
                    if (contents.TryGetValue(deviceId, out var content) || (content = everyDevice) is not null)
                        data.Add(new ToDeviceRow(userId, deviceId, senderId, type, content));
                }
                if (data.Count > MaxRecipientDevices)
                    throw MatrixException.InvalidParam($"A request may reach at most {MaxRecipientDevices} devices.");
            }
            return data;
        }, cancellationToken);
        await OwnWrites.WaitUntilVisibleAsync(notifier, stream.Name, rows, cancellationToken);
        return StreamWritten.Of(stream.Name, rows);
    }

    /// <summary>
    /// One <c>m.direct_to_device</c> EDU per server (Server-Server API "Send-to-device messaging"):
    /// <c>{sender, type, message_id, messages}</c>. The message ID is fresh: the receiver
    /// deduplicates by it, and a retried transaction carries the same stored EDU.
    /// </summary>
    private List<DurableEdu> DirectToDeviceEdus(string senderId, string type, Dictionary<string, JsonObject> byServer)
    {
        var edus = new List<DurableEdu>(byServer.Count);
        foreach (var (server, messages) in byServer)
        {
            var content = new JsonObject
            {
                ["sender"] = senderId,
                ["type"] = type,
                ["message_id"] = RandomNumberGenerator.GetHexString(32, lowercase: true),
                ["messages"] = messages,
            };
            edus.Add(new DurableEdu(server, DirectToDeviceEduType, System.Text.Encoding.UTF8.GetString(CanonicalJson.Encode(content))));
        }
        if (edus.Count > 0)
            logger.LogDebug("Queued to-device messages from {Sender} for {Servers} other servers", senderId, edus.Count);
        return edus;
    }

    /// <summary>The EDU type of to-device messages between servers.</summary>
    public const string DirectToDeviceEduType = "m.direct_to_device";

    private static async Task<bool> RecordTransactionAsync(
        NpgsqlConnection connection, string userId, string deviceId, string txnId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO to_device_txns (user_id, device_id, txn_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", connection);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(deviceId);
        command.Parameters.AddWithValue(txnId);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>The devices each of the users has now (accounts' devices table).</summary>
    private static async Task<Dictionary<string, List<string>>> KnownDevicesAsync(
        NpgsqlConnection connection, IEnumerable<string> userIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var users = userIds.ToArray();
        if (users.Length == 0)
            return result;
        await using var command = new NpgsqlCommand(
            "SELECT user_id, device_id FROM devices WHERE user_id = ANY($1) ORDER BY user_id, device_id", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = users, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var user = reader.GetString(0);
            if (!result.TryGetValue(user, out var devices))
                result[user] = devices = [];
            devices.Add(reader.GetString(1));
        }
        return result;
    }
}
