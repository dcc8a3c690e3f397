using Cluster.Replication.Tokens;
using CsCheck;

namespace Cluster.Replication.Tests.Tokens;

/// <summary>Random vectors and tokens for the property tests.</summary>
internal static class TokenGen
{
    /// <summary>A writer ID the generators never produce: it is at the minimum in every generated vector.</summary>
    public const int UnlistedWriter = 1000;

    /// <summary>
    /// Up to sixteen writers, some of them at or below the minimum (which compaction must drop), over minimums
    /// from zero to just below <see cref="long.MaxValue"/>.
    /// </summary>
    public static readonly Gen<StreamPositionVector> Vector =
        VectorOver(Gen.OneOf(Gen.Long[0, 60], Gen.Long[1_000_000_000, 999_999_999_999], Gen.Long[long.MaxValue - 100, long.MaxValue - 60]),
            writerIds: Gen.Int[0, 40], offsets: Gen.Long[-10, 50], maxWriters: 16);

    /// <summary>
    /// Vectors over a handful of writers and positions, so that two of them are often equal or ordered and
    /// the comparisons see every outcome, not only <see cref="VectorOrdering.Concurrent"/>.
    /// </summary>
    public static readonly Gen<StreamPositionVector> SmallVector =
        VectorOver(Gen.Long[0, 6], writerIds: Gen.Int[1, 5], offsets: Gen.Long[-2, 4], maxWriters: 5);

    public static readonly Gen<StreamPositionVector> AnyVector = Gen.OneOf(Vector, SmallVector);

    public static readonly Gen<SyncToken> SyncToken =
        AnyVector.Array[SyncStreams.Count].Select(streams => new SyncToken(
            streams[0], streams[1], streams[2], streams[3], streams[4], streams[5], streams[6], streams[7]));

    private static Gen<StreamPositionVector> VectorOver(Gen<long> minimums, Gen<int> writerIds, Gen<long> offsets, int maxWriters) =>
        Gen.Select(minimums, Gen.Select(writerIds, offsets).Array[0, maxWriters], (minimum, entries) =>
            StreamPositionVector.Create(minimum, entries
                .DistinctBy(entry => entry.Item1)
                .Select(entry => new WriterPosition(entry.Item1, Math.Max(0, minimum + entry.Item2)))));

    /// <summary>The writers whose positions decide a comparison of these vectors: all listed ones, and one unlisted.</summary>
    public static IEnumerable<int> WritersOf(params StreamPositionVector[] vectors) =>
        vectors.SelectMany(vector => vector.WritersAhead.ToArray().Select(entry => entry.WriterId)).Append(UnlistedWriter).Distinct();
}
