using Cluster.Replication.Tokens;
using CsCheck;

namespace Cluster.Replication.Tests.Tokens;

/// <summary>
/// Laws of position vectors over random vectors of up to sixteen writers. A vector is the function
/// writer -> position; the expected values are computed from that function with <see cref="StreamPositionVector.PositionOf"/>.
/// </summary>
public class StreamPositionVectorPropertyTests
{
    private const long Iterations = 2000;

    /// <summary>A vector and a copy of it with one writer moved on by 0-3 (so equal or ordered), either way round.</summary>
    private static readonly Gen<(StreamPositionVector, StreamPositionVector)> RelatedPairs =
        Gen.Select(TokenGen.AnyVector, Gen.Int[0, 6], Gen.Long[0, 3], Gen.Bool).Select((a, writer, step, swap) =>
        {
            var b = a.WithAdvanced(writer, a.PositionOf(writer) + step);
            return swap ? (b, a) : (a, b);
        });

    private static readonly Gen<(StreamPositionVector, StreamPositionVector)> Pairs = Gen.OneOf(
        Gen.Select(TokenGen.Vector, TokenGen.Vector), Gen.Select(TokenGen.SmallVector, TokenGen.SmallVector), RelatedPairs);

    /// <summary>Includes triples where the third is after the first two, which <see cref="MaxIsTheLeastVectorAfterBoth"/> needs.</summary>
    private static readonly Gen<(StreamPositionVector, StreamPositionVector, StreamPositionVector)> Triples = Gen.OneOf(
        Gen.Select(TokenGen.Vector, TokenGen.Vector, TokenGen.Vector),
        Gen.Select(TokenGen.SmallVector, TokenGen.SmallVector, TokenGen.SmallVector),
        Gen.Select(RelatedPairs, TokenGen.SmallVector, Gen.Int[0, 6], Gen.Long[0, 3]).Select((pair, other, writer, step) =>
        {
            var (a, b) = pair;
            var above = StreamPositionVector.Max(StreamPositionVector.Max(a, b), other);
            return (a, b, above.WithAdvanced(writer, above.PositionOf(writer) + step));
        }));

    [Test]
    public void ParsingTheFormattedTextGivesTheSameVector() =>
        TokenGen.AnyVector.Sample(vector => StreamPositionVector.Parse(vector.ToString()).Equals(vector), iter: Iterations);

    [Test]
    public void FormatNeverListsAWriterAtOrBelowTheMinimum() =>
        TokenGen.AnyVector.Sample(vector =>
        {
            // Read the text back by hand, independently of the parser.
            var text = vector.ToString();
            if (!text.StartsWith('m')) return vector.WritersAhead.IsEmpty && long.Parse(text) == vector.Minimum;
            var parts = text[1..].Split('~');
            var minimum = long.Parse(parts[0]);
            var entries = parts[1..].Select(part => part.Split('.')).Select(pair => (Writer: int.Parse(pair[0]), Position: long.Parse(pair[1]))).ToArray();
            return entries.Length > 0
                && entries.All(entry => entry.Position > minimum)
                && entries.Zip(entries.Skip(1)).All(pair => pair.First.Writer < pair.Second.Writer);
        }, iter: Iterations);

    [Test]
    public void MaxIsEachWritersLargerPosition() =>
        Pairs.Sample((a, b) =>
        {
            var merged = StreamPositionVector.Max(a, b);
            return merged.Minimum == Math.Max(a.Minimum, b.Minimum)
                && TokenGen.WritersOf(a, b).All(w => merged.PositionOf(w) == Math.Max(a.PositionOf(w), b.PositionOf(w)));
        }, iter: Iterations);

    [Test]
    public void MinIsEachWritersSmallerPosition() =>
        Pairs.Sample((a, b) =>
        {
            var common = StreamPositionVector.Min(a, b);
            return common.Minimum == Math.Min(a.Minimum, b.Minimum)
                && TokenGen.WritersOf(a, b).All(w => common.PositionOf(w) == Math.Min(a.PositionOf(w), b.PositionOf(w)));
        }, iter: Iterations);

    [Test]
    public void MaxIsCommutative() =>
        Pairs.Sample((a, b) => StreamPositionVector.Max(a, b).Equals(StreamPositionVector.Max(b, a)), iter: Iterations);

    [Test]
    public void MaxIsAssociative() =>
        Triples.Sample((a, b, c) =>
            StreamPositionVector.Max(StreamPositionVector.Max(a, b), c).Equals(StreamPositionVector.Max(a, StreamPositionVector.Max(b, c))),
            iter: Iterations);

    [Test]
    public void MaxIsIdempotent() =>
        TokenGen.AnyVector.Sample(a => StreamPositionVector.Max(a, a).Equals(a), iter: Iterations);

    [Test]
    public void MaxIsAtOrAfterBothInputs() =>
        Pairs.Sample((a, b) =>
        {
            var merged = StreamPositionVector.Max(a, b);
            return a.IsBeforeOrEqual(merged) && b.IsBeforeOrEqual(merged);
        }, iter: Iterations);

    [Test]
    public void MaxIsTheLeastVectorAfterBoth() =>
        Triples.Sample((a, b, c) =>
            !(a.IsBeforeOrEqual(c) && b.IsBeforeOrEqual(c)) || StreamPositionVector.Max(a, b).IsBeforeOrEqual(c), iter: Iterations);

    [Test]
    public void MinIsAtOrBeforeBothInputs() =>
        Pairs.Sample((a, b) =>
        {
            var common = StreamPositionVector.Min(a, b);
            return common.IsBeforeOrEqual(a) && common.IsBeforeOrEqual(b);
        }, iter: Iterations);

    [Test]
    public void IsBeforeOrEqualComparesEveryWriter() =>
        Pairs.Sample((a, b) =>
            a.IsBeforeOrEqual(b) == TokenGen.WritersOf(a, b).All(w => a.PositionOf(w) <= b.PositionOf(w)), iter: Iterations);

    [Test]
    public void VectorsBeforeOrEqualBothWaysAreEqual() =>
        Pairs.Sample((a, b) => !(a.IsBeforeOrEqual(b) && b.IsBeforeOrEqual(a)) || (a.Equals(b) && a.GetHashCode() == b.GetHashCode()),
            iter: Iterations);

    [Test]
    public void IsBeforeOrEqualIsTransitive() =>
        Triples.Sample((a, b, c) => !(a.IsBeforeOrEqual(b) && b.IsBeforeOrEqual(c)) || a.IsBeforeOrEqual(c), iter: Iterations);

    [Test]
    public void CompareWithReversesWhenSwapped() =>
        Pairs.Sample((a, b) => a.CompareWith(b) == b.CompareWith(a) switch
        {
            VectorOrdering.Before => VectorOrdering.After,
            VectorOrdering.After => VectorOrdering.Before,
            var same => same,
        }, iter: Iterations);

    [Test]
    public void WithAdvancedMovesOnlyThatWriterAndNeverBack() =>
        Gen.Select(TokenGen.AnyVector, Gen.Int[0, 40], Gen.Long[0, 80]).Sample((vector, writer, offset) =>
        {
            var position = vector.Minimum + offset - 20;
            if (position < 0) return true;
            var advanced = vector.WithAdvanced(writer, position);
            return advanced.Minimum == vector.Minimum
                && advanced.PositionOf(writer) == Math.Max(vector.PositionOf(writer), position)
                && TokenGen.WritersOf(vector).Where(w => w != writer).All(w => advanced.PositionOf(w) == vector.PositionOf(w))
                && StreamPositionVector.Parse(advanced.ToString()).Equals(advanced);
        }, iter: Iterations);

    [Test]
    public void CreateFromAnyOrderingOfTheSameWritersIsEqual() =>
        TokenGen.Vector.Sample(vector =>
        {
            var reversed = StreamPositionVector.Create(vector.Minimum, vector.WritersAhead.ToArray().Reverse());
            return reversed.Equals(vector) && reversed.GetHashCode() == vector.GetHashCode();
        }, iter: Iterations);

    /// <summary>Guards the laws above against vacuity: the pairs they run on meet every outcome often.</summary>
    [Test]
    public void GeneratedPairsMeetEveryOrdering()
    {
        var seen = new Dictionary<VectorOrdering, int>();
        Pairs.Sample((a, b) =>
        {
            var ordering = a.CompareWith(b);
            seen[ordering] = seen.GetValueOrDefault(ordering) + 1;
        }, iter: Iterations, threads: 1);

        Assert.That(Enum.GetValues<VectorOrdering>().Select(o => seen.GetValueOrDefault(o)), Has.All.GreaterThan(Iterations / 100), string.Join(", ", seen));
    }

    [Test]
    public void GeneratedTriplesOftenHaveAThirdVectorAfterTheOtherTwo()
    {
        var above = 0;
        Triples.Sample((a, b, c) =>
        {
            if (a.IsBeforeOrEqual(c) && b.IsBeforeOrEqual(c)) Interlocked.Increment(ref above);
        }, iter: Iterations);

        Assert.That(above, Is.GreaterThan(Iterations / 5));
    }
}
