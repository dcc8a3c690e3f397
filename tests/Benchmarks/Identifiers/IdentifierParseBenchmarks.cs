using BenchmarkDotNet.Attributes;
using Cluster.Shared.Identifiers;

namespace Cluster.Benchmarks.Identifiers;

/// <summary>Parsing the identifiers every incoming event carries (sender, room_id, prev/auth event IDs).</summary>
[MemoryDiagnoser]
public class IdentifierParseBenchmarks
{
    private const string Sender = "@alice.smith:matrix.example.org";
    private const string HistoricalSender = "@Alice_Smith!:matrix.example.org";
    private const string LegacyRoomId = "!jEsUZKDJdhlrceRyVU:matrix.example.org";
    private const string V12RoomId = "!Nhcu5BS-UMnFX7hBVfVSoXiD7OgH6iRT-xyIuqDnpYQ";
    private const string V4EventId = "$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg";
    private const string IPv6Server = "[2001:db8::8a2e:370:7334]:8448";

    [Benchmark(Description = "user ID, conformant")]
    public bool UserIdConformant() => UserId.TryParse(Sender, out _);

    [Benchmark(Description = "user ID, historical")]
    public bool UserIdHistorical() => UserId.TryParse(HistoricalSender, out _);

    [Benchmark(Description = "room ID with domain")]
    public bool RoomIdLegacy() => RoomId.TryParse(LegacyRoomId, out _);

    [Benchmark(Description = "room ID, v12 hash")]
    public bool RoomIdV12() => RoomId.TryParse(V12RoomId, out _);

    [Benchmark(Description = "event ID, v4+ hash")]
    public bool EventIdHash() => EventId.TryParse(V4EventId, out _);

    [Benchmark(Description = "server name, IPv6 with port")]
    public bool ServerNameIPv6() => ServerName.TryParse(IPv6Server, out _);
}
