using System.Text;
using Cluster.Replication.Bus;
using Cluster.Replication.Hosting;
using Cluster.Replication.Notifier;
using Cluster.Replication.Streams.Common;
using Cluster.Replication.Streams.ToDevice;
using Cluster.Replication.Tests.Streams.Support;
using Cluster.Replication.Tokens;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cluster.Replication.Tests.Streams.UserStreams;

/// <summary>
/// Rows between position vectors with a key filter of their own, on the to-device inbox: what
/// /sync relies on when several writers interleave.
/// </summary>
public class PositionRangeTests : DatabaseTest
{
    private const string User = "@bob:x";
    private const string Device = "DEV";
    private int _writer1;
    private int _writer2;
    private ToDeviceReader _reader = null!;

    [SetUp]
    public async Task Rows()
    {
        _writer1 = await Database.RegisterAsync("range-writer-1");
        _writer2 = await Database.RegisterAsync("range-writer-2");
        await using (var truncate = Database.Admin.CreateCommand("TRUNCATE to_device_stream"))
            await truncate.ExecuteNonQueryAsync();
        // Positions 1..6 alternate between the writers; position 7 is another device's.
        var rows = new (long Position, int Writer, string Device)[]
        {
            (1, _writer1, Device), (2, _writer2, Device), (3, _writer1, Device),
            (4, _writer2, Device), (5, _writer1, Device), (6, _writer2, Device), (7, _writer1, "OTHER"),
        };
        foreach (var (position, writer, device) in rows)
        {
            await using var insert = Database.Admin.CreateCommand(
                "INSERT INTO to_device_stream (stream_id, instance_id, user_id, device_id, sender, type, content) VALUES ($1, $2, $3, $4, '@s:x', 'm.test', $5)");
            insert.Parameters.AddWithValue(position);
            insert.Parameters.AddWithValue(writer);
            insert.Parameters.AddWithValue(User);
            insert.Parameters.AddWithValue(device);
            insert.Parameters.AddWithValue(Encoding.UTF8.GetBytes($"{{\"n\":{position}}}"));
            await insert.ExecuteNonQueryAsync();
        }
        var host = new StreamHost<ToDeviceRow>(ToDeviceStream.Instance, writes: false, Database.Admin, new InProcessReplicationBus(),
            new StreamNotifier(), new LocalInstance("range-test"), NullLoggerFactory.Instance);
        _reader = new ToDeviceReader(host, Database.Admin);
    }

    private StreamPositionVector Vector(long minimum, long? writer1 = null, long? writer2 = null)
    {
        var entries = new List<WriterPosition>();
        if (writer1 is { } p1) entries.Add(new WriterPosition(_writer1, p1));
        if (writer2 is { } p2) entries.Add(new WriterPosition(_writer2, p2));
        return StreamPositionVector.Create(minimum, entries);
    }

    private async Task<long[]> PositionsAsync(StreamPositionVector since, StreamPositionVector upTo, int limit = 100)
    {
        var batch = await _reader.GetMessagesAsync(User, Device, since, upTo, limit, CancellationToken.None);
        return [.. batch.Messages.Select(m => long.Parse(Encoding.UTF8.GetString(m.Content)[5..^1]))];
    }

    [Test]
    public async Task Everything_up_to_a_single_position() =>
        Assert.That(await PositionsAsync(StreamPositionVector.Zero, StreamPositionVector.At(4)), Is.EqualTo(new long[] { 1, 2, 3, 4 }));

    [Test]
    public async Task Each_writer_is_bounded_by_its_own_entry()
    {
        // From: writer 1 seen up to 1, writer 2 up to 4. To: writer 1 up to 5, writer 2 up to 2.
        var rows = await PositionsAsync(Vector(1, writer2: 4), Vector(2, writer1: 5));

        Assert.That(rows, Is.EqualTo(new long[] { 3, 5 }));
    }

    [Test]
    public async Task Consecutive_ranges_partition_the_rows()
    {
        var tokens = new[] { StreamPositionVector.Zero, Vector(1, writer2: 2), Vector(2, writer1: 5), Vector(4, writer1: 5), StreamPositionVector.At(6) };

        var seen = new List<long>();
        for (var i = 1; i < tokens.Length; i++)
            seen.AddRange(await PositionsAsync(tokens[i - 1], tokens[i]));

        Assert.That(seen.Order(), Is.EqualTo(new long[] { 1, 2, 3, 4, 5, 6 }));
    }

    [Test]
    public async Task A_limited_batch_hands_out_a_token_that_resumes_exactly()
    {
        var upTo = Vector(4, writer2: 6);

        var first = await _reader.GetMessagesAsync(User, Device, StreamPositionVector.Zero, upTo, 2, CancellationToken.None);
        var rest = await _reader.GetMessagesAsync(User, Device, first.Next, upTo, 100, CancellationToken.None);

        Assert.That(first.Limited, Is.True);
        Assert.That(first.Messages, Has.Count.EqualTo(2));
        Assert.That(rest.Messages, Has.Count.EqualTo(3), "4 and 6 from writer 2, 3 from writer 1");
        Assert.That(rest.Next, Is.EqualTo(upTo));
    }

    [Test]
    public async Task Acknowledging_deletes_only_covered_rows_of_that_device()
    {
        var deleted = await _reader.DeleteAcknowledgedAsync(User, Device, Vector(2, writer1: 5), CancellationToken.None);

        Assert.That(deleted, Is.EqualTo(4), "1, 3, 5 of writer 1 and 2 of writer 2");
        Assert.That(await PositionsAsync(StreamPositionVector.Zero, StreamPositionVector.At(7)), Is.EqualTo(new long[] { 4, 6 }));
        await using var other = Database.Admin.CreateCommand("SELECT count(*) FROM to_device_stream WHERE device_id = 'OTHER'");
        Assert.That(await other.ExecuteScalarAsync(), Is.EqualTo(1L));
    }

    [Test]
    public void Truncating_never_goes_behind_the_previous_token()
    {
        var since = Vector(1, writer2: 4);
        var current = Vector(3, writer1: 6, writer2: 5);

        var next = PositionRange.Truncate(since, current, lastServed: 3);

        Assert.That(next.PositionOf(_writer1), Is.EqualTo(3));
        Assert.That(next.PositionOf(_writer2), Is.EqualTo(4));
    }
}
