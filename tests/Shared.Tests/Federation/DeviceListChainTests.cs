using Cluster.Shared.Storage.Federation;

namespace Cluster.Shared.Tests.Federation;

/// <summary>When an m.device_list_update can be applied on top of the list held, and when the whole list must be fetched.</summary>
public class DeviceListChainTests
{
    private static DeviceListUpdate Update(long streamId, params long[] prevIds) =>
        new("@bob:b.example", "DEVICE", null, false, streamId, prevIds);

    [Test]
    public void An_update_naming_the_version_held_is_applied() =>
        Assert.That(DeviceListChain.Judge(5, Update(6, 5)), Is.EqualTo(DeviceListVerdict.Apply));

    [Test]
    public void An_update_naming_only_changes_the_list_already_has_is_applied() =>
        Assert.That(DeviceListChain.Judge(9, Update(12, 7, 9)), Is.EqualTo(DeviceListVerdict.Apply));

    [Test]
    public void An_update_naming_a_change_after_the_version_held_needs_a_resync() =>
        Assert.That(DeviceListChain.Judge(5, Update(8, 7)), Is.EqualTo(DeviceListVerdict.Resync));

    [Test]
    public void An_update_with_no_prev_id_needs_a_resync() =>
        Assert.That(DeviceListChain.Judge(5, Update(8)), Is.EqualTo(DeviceListVerdict.Resync));

    [Test]
    public void Any_update_needs_a_resync_when_no_list_is_held() =>
        Assert.That(DeviceListChain.Judge(null, Update(6, 5)), Is.EqualTo(DeviceListVerdict.Resync));

    [Test]
    public void An_update_at_or_before_the_version_held_is_already_held()
    {
        Assert.That(DeviceListChain.Judge(5, Update(5, 4)), Is.EqualTo(DeviceListVerdict.AlreadyHeld));
        Assert.That(DeviceListChain.Judge(5, Update(3, 2)), Is.EqualTo(DeviceListVerdict.AlreadyHeld));
    }
}
