using System.Buffers;

namespace Cluster.Replication.Bus;

/// <summary>
/// The bus wire format: a version byte, a kind byte, then the fields little-endian with
/// length-prefixed strings and payloads. Unknown versions and kinds are rejected so that a
/// newer writer never gets half-understood.
/// </summary>
public static class ReplicationMessageCodec
{
    private const byte Version = 1;
    private const byte UpdateKind = 1;
    private const byte ProbeKind = 2;
    private const byte RowsOmittedFlag = 1;

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
                output.WriteByte(update.RowsOmitted ? RowsOmittedFlag : (byte)0);
                output.WriteInt32(update.Rows.Count);
                foreach (var row in update.Rows)
                {
                    output.WriteInt64(row.Position);
                    output.WriteBytes(row.Payload.Span);
                }
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

    /// <summary>An upper bound on an update's encoded size, to decide whether to omit its rows.</summary>
    public static long EstimateSize(string stream, IReadOnlyList<EncodedRow> rows)
    {
        long size = 40 + stream.Length * 3L;
        foreach (var row in rows)
            size += 12 + row.Payload.Length;
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
                if ((flags & ~RowsOmittedFlag) != 0)
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
                reader.ExpectEnd();
                try
                {
                    return new StreamUpdate(stream, writer, previous, position, (flags & RowsOmittedFlag) != 0, rows);
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
}
