using System.Buffers;
using System.Diagnostics;
using Cluster.Replication.Bus;

namespace Cluster.Replication.Tests.Bus;

public class ReplicationMessageCodecTests
{
    private static StreamUpdate SampleUpdate() =>
        new("events", 3, 10, 14, false, [new EncodedRow(11, new byte[] { 1, 2, 3 }), new EncodedRow(14, Array.Empty<byte>())]);

    [Test]
    public void AStreamUpdateSurvivesEncoding()
    {
        var decoded = (StreamUpdate)ReplicationMessageCodec.Decode(ReplicationMessageCodec.Encode(SampleUpdate()));

        Assert.That(decoded.Stream, Is.EqualTo("events"));
        Assert.That(decoded.WriterId, Is.EqualTo(3));
        Assert.That(decoded.PreviousPosition, Is.EqualTo(10));
        Assert.That(decoded.Position, Is.EqualTo(14));
        Assert.That(decoded.RowsOmitted, Is.False);
        Assert.That(decoded.Rows.Select(r => r.Position), Is.EqualTo(new long[] { 11, 14 }));
        Assert.That(decoded.Rows[0].Payload.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(decoded.Rows[1].Payload.Length, Is.Zero);
    }

    [Test]
    public void AnUpdateWithRowsOmittedSurvivesEncoding()
    {
        var update = new StreamUpdate("caches", 1, 5, 9, true, []);

        var decoded = (StreamUpdate)ReplicationMessageCodec.Decode(ReplicationMessageCodec.Encode(update));

        Assert.That(decoded.RowsOmitted, Is.True);
        Assert.That(decoded.Rows, Is.Empty);
    }

    [Test]
    public void AProbeSurvivesEncoding()
    {
        var nonce = Guid.NewGuid();

        Assert.That(ReplicationMessageCodec.Decode(ReplicationMessageCodec.Encode(new BusProbe(nonce))), Is.EqualTo(new BusProbe(nonce)));
    }

    [Test]
    public void EveryTruncationOfAnUpdateIsAFormatError()
    {
        var encoded = ReplicationMessageCodec.Encode(SampleUpdate());
        for (var length = 0; length < encoded.Length; length++)
            Assert.Throws<ReplicationFormatException>(() => ReplicationMessageCodec.Decode(encoded.AsSpan(0, length)), $"length {length}");
    }

    [Test]
    public void TrailingBytesAreAFormatError()
    {
        var encoded = ReplicationMessageCodec.Encode(SampleUpdate()).Append((byte)0).ToArray();

        Assert.Throws<ReplicationFormatException>(() => ReplicationMessageCodec.Decode(encoded));
    }

    [TestCase(0, (byte)2, TestName = "AnUnknownVersionIsAFormatError")]
    [TestCase(1, (byte)9, TestName = "AnUnknownKindIsAFormatError")]
    public void AHeaderByteChangedIsAFormatError(int index, byte value)
    {
        var encoded = ReplicationMessageCodec.Encode(SampleUpdate());
        encoded[index] = value;

        Assert.Throws<ReplicationFormatException>(() => ReplicationMessageCodec.Decode(encoded));
    }

    [Test]
    public void AnUpdateWhoseRowsAreOutsideItsRangeIsAFormatError()
    {
        // Build a valid update, then rewrite the first row's position (after the header) to 99.
        var encoded = ReplicationMessageCodec.Encode(SampleUpdate());
        var rowPositionOffset = 2 + 4 + "events".Length + 4 + 8 + 8 + 1 + 4;
        BitConverter.GetBytes(99L).CopyTo(encoded, rowPositionOffset);

        Assert.Throws<ReplicationFormatException>(() => ReplicationMessageCodec.Decode(encoded));
    }

    [Test]
    public void AnUpdateGoingBackwardsCannotBeBuilt() =>
        Assert.Throws<ArgumentException>(() => _ = new StreamUpdate("events", 1, 10, 9, false, []));

    [Test]
    public void AnUpdateThatOmitsRowsCarriesNone() =>
        Assert.Throws<ArgumentException>(() => _ = new StreamUpdate("events", 1, 1, 2, true, [new EncodedRow(2, Array.Empty<byte>())]));

    [Test]
    public void InvalidUtf8InTheStreamNameIsAFormatError()
    {
        var encoded = ReplicationMessageCodec.Encode(SampleUpdate());
        encoded[2 + 4] = 0xFF;

        Assert.Throws<ReplicationFormatException>(() => ReplicationMessageCodec.Decode(encoded));
    }

    private static readonly ActivityContext SampleTrace = new(
        ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);

    private static StreamUpdate ExtendedUpdate() => SampleUpdate() with
    {
        SentAt = new DateTimeOffset(2026, 11, 23, 12, 0, 0, 123, TimeSpan.Zero),
        Traces = [new RowTrace(14, SampleTrace)],
    };

    [Test]
    public void TheSendTimeAndRowTracesSurviveEncoding()
    {
        var decoded = (StreamUpdate)ReplicationMessageCodec.Decode(ReplicationMessageCodec.Encode(ExtendedUpdate()));

        Assert.That(decoded.SentAt, Is.EqualTo(ExtendedUpdate().SentAt));
        var trace = decoded.Traces!.Single();
        Assert.That(trace.Position, Is.EqualTo(14));
        Assert.That((trace.Context.TraceId, trace.Context.SpanId, trace.Context.TraceFlags),
            Is.EqualTo((SampleTrace.TraceId, SampleTrace.SpanId, ActivityTraceFlags.Recorded)));
        Assert.That(decoded.Rows.Select(r => r.Position), Is.EqualTo(new long[] { 11, 14 }));
    }

    [Test]
    public void AnUpdateWithoutSendTimeOrTracesIsEncodedAsBeforeThem()
    {
        var encoded = ReplicationMessageCodec.Encode(SampleUpdate());

        Assert.That(encoded, Is.EqualTo(OldFormat(SampleUpdate())), "no extension block, flags 0");
        var decoded = (StreamUpdate)ReplicationMessageCodec.Decode(encoded);
        Assert.That((decoded.SentAt, decoded.Traces), Is.EqualTo(((DateTimeOffset?)null, (IReadOnlyList<RowTrace>?)null)));
    }

    [Test]
    public void AnExtensionOfANewerWriterIsSkipped()
    {
        // Extension count 2: tag 99 with a 3-byte body nobody here knows, then the send time.
        var sentAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var encoded = OldFormat(SampleUpdate(), flags: 2, extensions: output =>
        {
            output.WriteInt32(2);
            output.WriteByte(99);
            output.WriteBytes(new byte[] { 7, 7, 7 });
            output.WriteByte(1);
            output.WriteInt32(8);
            output.WriteInt64(sentAt.UtcTicks);
        });

        var decoded = (StreamUpdate)ReplicationMessageCodec.Decode(encoded);

        Assert.That(decoded.SentAt, Is.EqualTo(sentAt));
        Assert.That(decoded.Rows.Select(r => r.Position), Is.EqualTo(new long[] { 11, 14 }));
    }

    [Test]
    public void EveryTruncationOfAnExtendedUpdateIsAFormatError()
    {
        var encoded = ReplicationMessageCodec.Encode(ExtendedUpdate());
        for (var length = 0; length < encoded.Length; length++)
            Assert.Throws<ReplicationFormatException>(() => ReplicationMessageCodec.Decode(encoded.AsSpan(0, length)), $"length {length}");
    }

    [Test]
    public void AnEmptyTraceContextIsAFormatError()
    {
        var encoded = OldFormat(SampleUpdate(), flags: 2, extensions: output =>
        {
            output.WriteInt32(1);
            output.WriteByte(2);
            output.WriteInt32(4 + 33);
            output.WriteInt32(1);
            output.WriteInt64(14);
            output.Write(new byte[16 + 8]);
            output.WriteByte(1);
        });

        Assert.Throws<ReplicationFormatException>(() => ReplicationMessageCodec.Decode(encoded));
    }

    [Test]
    public void AnImplausibleExtensionCountIsAFormatError()
    {
        var encoded = OldFormat(SampleUpdate(), flags: 2, extensions: output => output.WriteInt32(int.MaxValue));

        Assert.Throws<ReplicationFormatException>(() => ReplicationMessageCodec.Decode(encoded));
    }

    // The format as it was before the extension block: version, kind, fields, rows; optionally
    // with other flags and an extension block written by the test.
    private static byte[] OldFormat(StreamUpdate update, byte flags = 0, Action<ArrayBufferWriter<byte>>? extensions = null)
    {
        var output = new ArrayBufferWriter<byte>();
        output.WriteByte(1);
        output.WriteByte(1);
        output.WriteString(update.Stream);
        output.WriteInt32(update.WriterId);
        output.WriteInt64(update.PreviousPosition);
        output.WriteInt64(update.Position);
        output.WriteByte(flags);
        output.WriteInt32(update.Rows.Count);
        foreach (var row in update.Rows)
        {
            output.WriteInt64(row.Position);
            output.WriteBytes(row.Payload.Span);
        }
        extensions?.Invoke(output);
        return output.WrittenSpan.ToArray();
    }
}
