using Cluster.Shared.RoomVersions;

namespace Cluster.Shared.Tests.Auth;

/// <summary>The standard room of <see cref="TestRoom"/> is reachable under the rules of every version.</summary>
public class TestRoomTests
{
    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void StandardRoomSetupPassesTheRules(RoomVersion version)
    {
        var room = TestRoom.Standard(version);
        Assert.That(room.State, Has.Count.EqualTo(4));
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void JoinedMemberMessagePassesBothChecks(RoomVersion version)
    {
        var room = TestRoom.Standard(version);
        room.Join(TestRoom.Bob);
        var message = room.Message(TestRoom.Bob);
        Assert.Multiple(() =>
        {
            Assert.That(room.Check(message).Allowed, Is.True, room.Check(message).Reason);
            Assert.That(room.CheckAgainstAuthEvents(message).Allowed, Is.True, room.CheckAgainstAuthEvents(message).Reason);
        });
    }
}
