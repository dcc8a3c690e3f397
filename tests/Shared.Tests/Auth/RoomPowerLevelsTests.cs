using Cluster.Shared.Auth;
using Cluster.Shared.RoomVersions;
using static Cluster.Shared.Tests.Auth.TestRoom;

namespace Cluster.Shared.Tests.Auth;

public class RoomPowerLevelsTests
{
    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void ReadsUsersThenUsersDefault(RoomVersion version)
    {
        var room = Standard(version);
        room.Join(Bob);
        room.SetUserLevels($"\"{Bob}\":42");
        var levels = room.State[("m.room.power_levels", "")];
        Assert.Multiple(() =>
        {
            Assert.That(RoomPowerLevels.UserLevel(version, room.CreateEvent, levels, Bob), Is.EqualTo(42));
            Assert.That(RoomPowerLevels.UserLevel(version, room.CreateEvent, levels, Carol), Is.EqualTo(0));
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithCreatorsInPowerLevels))]
    public void CreatorHas100WithoutPowerLevelsBeforeV12(RoomVersion version)
    {
        var room = CreateOnly(version);
        Assert.Multiple(() =>
        {
            Assert.That(RoomPowerLevels.UserLevel(version, room.CreateEvent, null, Alice), Is.EqualTo(100));
            Assert.That(RoomPowerLevels.UserLevel(version, room.CreateEvent, null, Bob), Is.EqualTo(0));
            Assert.That(RoomPowerLevels.UserLevel(version, null, null, Alice), Is.EqualTo(0), "no create event, no creator");
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithUnlimitedCreators))]
    public void V12CreatorsAreUnlimited(RoomVersion version)
    {
        var room = Standard(version, extraCreateContent: $$"""{"additional_creators":["{{Bob}}"]}""");
        var levels = room.State[("m.room.power_levels", "")];
        Assert.Multiple(() =>
        {
            Assert.That(RoomPowerLevels.UserLevel(version, room.CreateEvent, levels, Alice), Is.EqualTo(RoomPowerLevels.Unlimited));
            Assert.That(RoomPowerLevels.UserLevel(version, room.CreateEvent, levels, Bob), Is.EqualTo(RoomPowerLevels.Unlimited));
            Assert.That(RoomPowerLevels.UserLevel(version, room.CreateEvent, null, Carol), Is.EqualTo(0));
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithStringPowerLevels))]
    public void StringLevelsCountBeforeV10(RoomVersion version)
    {
        var room = Standard(version);
        var levels = room.Force(room.Build("m.room.power_levels", Alice, "", $$$"""{"users":{"{{{Bob}}}":" 30 "}}"""));
        Assert.That(RoomPowerLevels.UserLevel(version, room.CreateEvent, levels, Bob), Is.EqualTo(30));
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithIntPowerLevels))]
    public void UnreadableLevelsCountAsZero(RoomVersion version)
    {
        var room = Standard(version);
        var levels = room.Force(room.Build("m.room.power_levels", Alice, "", $$$"""{"users":{"{{{Bob}}}":"30"}}"""));
        Assert.That(RoomPowerLevels.UserLevel(version, room.CreateEvent, levels, Bob), Is.EqualTo(0));
    }
}
