using CsCheck;
using Cluster.Shared.Identifiers;

namespace Cluster.Shared.Tests.Identifiers;

/// <summary>
/// Random input from the characters the grammars care about: parsing never fails with anything but a
/// typed error, and what parses reads back exactly as given.
/// </summary>
public class IdentifierRobustnessTests
{
    private static readonly Gen<string> Body =
        Gen.Char["@!$#:[].0123456789abcdefAZ-_+/= \0\u00e9\ud800\udc00"].Array[0, 60].Select(chars => new string(chars));

    private static readonly Gen<string> Candidate =
        Gen.OneOf(Body, Gen.Select(Gen.Char["@!$#"], Body, (sigil, body) => sigil + body),
            Gen.Select(Gen.Char["@!$#"], Body, Body, (sigil, local, server) => $"{sigil}{local}:{server}"));

    [Test]
    public void TryParseNeverThrowsAndAnswersWithAReason() =>
        Candidate.Sample(text =>
            Consistent(ServerName.TryParse(text, out ServerName s, out var e1), s.ToString(), e1, text)
            && Consistent(UserId.TryParse(text, out UserId u, out var e2), u.ToString(), e2, text)
            && Consistent(RoomId.TryParse(text, out RoomId r, out var e3), r.ToString(), e3, text)
            && Consistent(RoomAlias.TryParse(text, out RoomAlias a, out var e4), a.ToString(), e4, text)
            && Consistent(EventId.TryParse(text, out EventId ev, out var e5), ev.ToString(), e5, text));

    [Test]
    public void ParseThrowsOnlyInvalidIdentifierException() =>
        Candidate.Sample(text =>
        {
            foreach (var parse in new Action[]
                     {
                         () => ServerName.Parse(text), () => UserId.Parse(text), () => RoomId.Parse(text),
                         () => RoomAlias.Parse(text), () => EventId.Parse(text),
                     })
            {
                try { parse(); }
                catch (InvalidIdentifierException) { }
            }
        });

    [Test]
    public void UserIdServerNamePartParsesAsAServerName() =>
        Candidate.Sample(text =>
            !UserId.TryParse(text, out var id) || ServerName.TryParse(id.ServerNameSpan.ToString(), out var server) && server == id.ServerName);

    private static bool Consistent(bool parsed, string readBack, IdentifierError error, string input) =>
        parsed ? error == IdentifierError.None && readBack == input : error != IdentifierError.None && readBack.Length == 0;
}
