using System.Buffers;
using System.Diagnostics;

namespace Cluster.Replication.Bus;

/// <summary>
/// The bus wire format: a version byte, a kind byte, then the fields little-endian with
/// length-prefixed strings and payloads. Unknown versions and kinds are rejected so that a
/// newer writer never gets half-understood.
/// </summary>
/// <remarks>
/// What readers can do without (the send time, row trace contexts) travels in an extension block
/// after the rows, flagged in the update's flags: each extension is a tag and a length-prefixed
/// body, and a reader skips tags it does not know. Updates without the flag (from writers that
/// predate it) decode as before, so fields can be added without a flag day.
/// </remarks>
public static class ReplicationMessageCodec
{
    private const byte Version = 1;
    private const byte UpdateKind = 1;
    private const byte ProbeKind = 2;
    private const byte RowsOmittedFlag = 1;
    private const byte ExtensionsFlag = 2;
    private const byte KnownFlags = RowsOmittedFlag | ExtensionsFlag;

    private const byte SentAtExtension = 1;
    private const byte TracesExtension = 2;
    private const int TraceEntrySize = 8 + 16 + 8 + 1;

    public static byte[] Encode(ReplicationMessage message)
    {
        var output = new ArrayBufferWriter<byte>(64);
        output.WriteByte(Version);
        switch (message)
        {
            case StreamUpdate update:
                output.WriteByte(UpdateKind);
                output.WriteString(update.Stream);
                output.WriteInt32(update.WriterId);
                output.WriteInt64(update.PreviousPosition);
                output.WriteInt64(update.Position);
                var extensions = (update.SentAt is null ? 0 : 1) + (update.Traces is null ? 0 : 1);
                output.WriteByte((byte)((update.RowsOmitted ? RowsOmittedFlag : 0) | (extensions > 0 ? ExtensionsFlag : 0)));
                output.WriteInt32(update.Rows.Count);
                foreach (var row in update.Rows)
                {
                    output.WriteInt64(row.Position);
                    output.WriteBytes(row.Payload.Span);
                }
                if (extensions > 0)
                    WriteExtensions(output, update, extensions);
                break;
            case BusProbe probe:
                output.WriteByte(ProbeKind);
                probe.Nonce.TryWriteBytes(output.GetSpan(16));
                output.Advance(16);
                break;
            default:
                throw new ArgumentException($"Unknown message type {message.GetType().Name}.", nameof(message));
        }
        return output.WrittenSpan.ToArray();
    }

    private static void WriteExtensions(ArrayBufferWriter<byte> output, StreamUpdate update, int count)
    {
        output.WriteInt32(count);
        if (update.SentAt is { } sentAt)
        {
            output.WriteByte(SentAtExtension);
            output.WriteInt32(8);
            output.WriteInt64(sentAt.UtcTicks);
        }
        if (update.Traces is { } traces)
        {
            output.WriteByte(TracesExtension);
            output.WriteInt32(4 + traces.Count * TraceEntrySize);
            output.WriteInt32(traces.Count);
            foreach (var (position, context) in traces)
            {
                output.WriteInt64(position);
                // CopyTo fills the whole span it is given.
                context.TraceId.CopyTo(output.GetSpan(16)[..16]);
                output.Advance(16);
                context.SpanId.CopyTo(output.GetSpan(8)[..8]);
                output.Advance(8);
                output.WriteByte((byte)context.TraceFlags);
            }
        }
    }

    /// <summary>An upper bound on an update's encoded size, to decide whether to omit its rows.</summary>
    public static long EstimateSize(string stream, IReadOnlyList<EncodedRow> rows)
    {
        // Header and extensions (the send time, and a trace context per row at most).
        long size = 64 + stream.Length * 3L;
        foreach (var row in rows)
            size += 12 + TraceEntrySize + row.Payload.Length;
        return size;
    }

    public static ReplicationMessage Decode(ReadOnlySpan<byte> data)
    {
        var reader = new PayloadReader(data);
        var version = reader.ReadByte();
        if (version != Version)
            throw new ReplicationFormatException($"Unsupported message version {version}.");
        var kind = reader.ReadByte();
        switch (kind)
        {
            case UpdateKind:
            {
                var stream = reader.ReadString();
                var writer = reader.ReadInt32();
                var previous = reader.ReadInt64();
                var position = reader.ReadInt64();
                var flags = reader.ReadByte();
                if ((flags & ~KnownFlags) != 0)
                    throw new ReplicationFormatException($"Unknown update flags {flags}.");
                var count = reader.ReadInt32();
                if (count < 0 || count > data.Length / 12)
                    throw new ReplicationFormatException($"Implausible row count {count}.");
                var rows = new EncodedRow[count];
                for (var i = 0; i < count; i++)
                {
                    var rowPosition = reader.ReadInt64();
                    rows[i] = new EncodedRow(rowPosition, reader.ReadBytes().ToArray());
                }
                DateTimeOffset? sentAt = null;
                IReadOnlyList<RowTrace>? traces = null;
                if ((flags & ExtensionsFlag) != 0)
                    ReadExtensions(ref reader, data.Length, ref sentAt, ref traces);
                reader.ExpectEnd();
                try
                {
                    return new StreamUpdate(stream, writer, previous, position, (flags & RowsOmittedFlag) != 0, rows)
                    {
                        SentAt = sentAt,
                        Traces = traces,
                    };
                }
                catch (ArgumentException e)
                {
                    throw new ReplicationFormatException(e.Message);
                }
            }
            case ProbeKind:
            {
                var nonce = new Guid(reader.ReadFixed(16));
                reader.ExpectEnd();
                return new BusProbe(nonce);
            }
            default:
                throw new ReplicationFormatException($"Unknown message kind {kind}.");
        }
    }

    private static void ReadExtensions(
        ref PayloadReader reader, int messageLength, ref DateTimeOffset? sentAt, ref IReadOnlyList<RowTrace>? traces)
    {
        var count = reader.ReadInt32();
        if (count < 0 || count > messageLength / 5)
            throw new ReplicationFormatException($"Implausible extension count {count}.");
        for (var i = 0; i < count; i++)
        {
            var tag = reader.ReadByte();
            var body = new PayloadReader(reader.ReadBytes());
            switch (tag)
            {
                case SentAtExtension:
                    var ticks = body.ReadInt64();
                    if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
                        throw new ReplicationFormatException($"Send time {ticks} is out of range.");
                    sentAt = new DateTimeOffset(ticks, TimeSpan.Zero);
                    break;
                case TracesExtension:
                    traces = ReadTraces(ref body);
                    break;
                default:
                    // A newer writer's extension: its body is skipped whole.
                    continue;
            }
            body.ExpectEnd();
        }
    }

    private static RowTrace[] ReadTraces(ref PayloadReader body)
    {
        var count = body.ReadInt32();
        if (count < 0 || count > body.Remaining / TraceEntrySize)
            throw new ReplicationFormatException($"Implausible trace count {count}.");
        var traces = new RowTrace[count];
        for (var i = 0; i < count; i++)
        {
            var position = body.ReadInt64();
            var traceId = body.ReadFixed(16);
            var spanId = body.ReadFixed(8);
            var flags = (ActivityTraceFlags)body.ReadByte();
            // All zeros is W3C's invalid ID: nothing could link to it.
            if (!traceId.ContainsAnyExcept((byte)0) || !spanId.ContainsAnyExcept((byte)0))
                throw new ReplicationFormatException($"The trace context of row {position} is empty.");
            traces[i] = new RowTrace(position, new ActivityContext(
                ActivityTraceId.CreateFromBytes(traceId), ActivitySpanId.CreateFromBytes(spanId), flags, isRemote: true));
        }
        return traces;
    }
}
