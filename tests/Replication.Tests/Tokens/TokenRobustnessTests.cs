using Cluster.Replication.Tokens;
using CsCheck;

namespace Cluster.Replication.Tests.Tokens;

/// <summary>
/// Random and mutated token text: parsing never fails with anything but a typed error, and whatever parses has
/// exactly one spelling, the one it formats back to.
/// </summary>
public class TokenRobustnessTests
{
    private const long Iterations = 5000;

    private static readonly Gen<string> Noise =
        Gen.Char["smt0123456789~._-+ x\u0663\uff15"].Array[0, 40].Select(chars => new string(chars));

    /// <summary>A valid token with one character replaced, inserted or deleted: reaches every branch of the parser.</summary>
    private static readonly Gen<string> Mutated =
        Gen.Select(TokenGen.SyncToken, Gen.Int[0, 2], Gen.Int[0, int.MaxValue], Gen.Char["smt0123456789~._-+ x\u0663"])
            .Select((token, kind, where, c) =>
            {
                var text = token.ToString();
                var at = where % (text.Length + 1);
                return kind switch
                {
                    0 when at < text.Length => text[..at] + c + text[(at + 1)..],
                    1 => text[..at] + c + text[at..],
                    _ when at < text.Length => text[..at] + text[(at + 1)..],
                    _ => text,
                };
            });

    private static readonly Gen<string> Candidate = Gen.OneOf(Noise, Mutated, Mutated.Select(text => text.Split('_')[0]));

    [Test]
    public void TryParseNeverThrowsAndAnswersWithAReason() =>
        Candidate.Sample(text =>
            Consistent(SyncToken.TryParse(text, out var sync, out var e1), sync, e1)
            && Consistent(RoomStreamToken.TryParse(text, out var room, out var e2), room, e2)
            && Consistent(StreamPositionVector.TryParse(text, out var vector, out var e3), vector, e3), iter: Iterations);

    [Test]
    public void ParseThrowsOnlyInvalidTokenException() =>
        Candidate.Sample(text =>
        {
            foreach (var parse in new Action[] { () => SyncToken.Parse(text), () => RoomStreamToken.Parse(text), () => StreamPositionVector.Parse(text) })
            {
                try { parse(); }
                catch (InvalidTokenException) { }
            }
        }, iter: Iterations);

    [Test]
    public void AcceptedRoomTokenFormatsBackToTheSameText() =>
        Candidate.Sample(text => !RoomStreamToken.TryParse(text, out var token) || token.ToString() == text, iter: Iterations);

    [Test]
    public void AcceptedStreamPositionFormatsBackToTheSameText() =>
        Candidate.Sample(text => !StreamPositionVector.TryParse(text, out var vector) || vector.ToString() == text, iter: Iterations);

    [Test]
    public void AcceptedSyncTokenFormatsBackToItsFirstFieldsPaddedWithZeros() =>
        Candidate.Sample(text =>
        {
            if (!SyncToken.TryParse(text, out var token)) return true;
            var fields = text.Split('_');
            var expected = fields.Take(SyncStreams.Count).Concat(Enumerable.Repeat("0", Math.Max(0, SyncStreams.Count - fields.Length)));
            return token.ToString() == string.Join('_', expected);
        }, iter: Iterations);

    private static bool Consistent(bool parsed, object? value, TokenError error) =>
        parsed ? value is not null && error == TokenError.None : value is null && error != TokenError.None;
}
