using System.Buffers;
using Cluster.Replication.Bus;
using Cluster.Replication.Streams;
using Cluster.Replication.Streams.AccountData;
using Cluster.Replication.Streams.PushRules;
using Cluster.Replication.Streams.Receipts;
using Cluster.Replication.Streams.ToDevice;
using Cluster.Replication.Streams.Typing;

namespace Cluster.Replication.Tests.Streams.UserStreams;

/// <summary>The bus payloads of the per-user and ephemeral streams.</summary>
public class UserStreamCodecTests
{
    private static T RoundTrip<T>(StreamDefinition<T> definition, T row)
    {
        var buffer = new ArrayBufferWriter<byte>();
        definition.Encode(row, buffer);
        return definition.Decode(buffer.WrittenSpan);
    }

    private static byte[] Encoded<T>(StreamDefinition<T> definition, T row)
    {
        var buffer = new ArrayBufferWriter<byte>();
        definition.Encode(row, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    [Test]
    public void Typing_rows_round_trip()
    {
        var row = new TypingRow("!r:x", "@u:x", true, 1_700_000_000_000);
        Assert.That(RoundTrip(TypingStream.Instance, row), Is.EqualTo(row));
    }

    [Test]
    public void Receipt_rows_round_trip_with_and_without_a_thread()
    {
        var threaded = new ReceiptRow("!r:x", "m.read", "@u:x", "main", "$e", 42);
        var unthreaded = threaded with { ThreadId = null };

        Assert.That(RoundTrip(ReceiptsStream.Instance, threaded), Is.EqualTo(threaded));
        Assert.That(RoundTrip(ReceiptsStream.Instance, unthreaded), Is.EqualTo(unthreaded));
    }

    [Test]
    public void Account_data_rows_travel_without_their_content()
    {
        var decoded = RoundTrip(AccountDataStream.Instance, new AccountDataRow("@u:x", "", "m.direct", [1, 2, 3]));

        Assert.That((decoded.UserId, decoded.RoomId, decoded.Type, decoded.Content), Is.EqualTo(("@u:x", "", "m.direct", (byte[]?)null)));
    }

    [Test]
    public void To_device_rows_travel_without_their_content()
    {
        var decoded = RoundTrip(ToDeviceStream.Instance, new ToDeviceRow("@u:x", "DEV", "@s:x", "m.test", [1]));

        Assert.That(decoded, Is.EqualTo(new ToDeviceRow("@u:x", "DEV", "@s:x", "m.test")));
    }

    [Test]
    public void Push_rules_rows_round_trip() =>
        Assert.That(RoundTrip(PushRulesStream.Instance, new PushRulesRow("@u:x")), Is.EqualTo(new PushRulesRow("@u:x")));

    [Test]
    public void A_truncated_payload_is_a_format_error()
    {
        var bytes = Encoded(ReceiptsStream.Instance, new ReceiptRow("!r:x", "m.read", "@u:x", null, "$e", 42));

        Assert.Throws<ReplicationFormatException>(() => ReceiptsStream.Instance.Decode(bytes.AsSpan(0, bytes.Length - 1)));
    }

    [Test]
    public void Trailing_bytes_are_a_format_error()
    {
        var bytes = Encoded(PushRulesStream.Instance, new PushRulesRow("@u:x")).Append((byte)0).ToArray();

        Assert.Throws<ReplicationFormatException>(() => PushRulesStream.Instance.Decode(bytes));
    }

    [Test]
    public void A_typing_flag_other_than_0_or_1_is_a_format_error()
    {
        var bytes = Encoded(TypingStream.Instance, new TypingRow("!r:x", "@u:x", true, 5));
        // Layout: two length-prefixed strings, then the flag byte.
        bytes[4 + 4 + 4 + 4] = 7;

        Assert.Throws<ReplicationFormatException>(() => TypingStream.Instance.Decode(bytes));
    }
}
