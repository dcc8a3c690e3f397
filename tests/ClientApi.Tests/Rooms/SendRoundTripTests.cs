using Cluster.ClientApi.Tests.Fixtures;

namespace Cluster.ClientApi.Tests.Rooms;

/// <summary>
/// What sending a message costs in PostgreSQL round trips, creator and persister together (one
/// process): at the 200 messages/s this is the server's other hot path beside /sync.
/// </summary>
public class SendRoundTripTests : RoundTripCountingFixture
{
    // The creator builds on the room snapshot it kept from the previous send; the persister, which
    // wrote the event the message follows, takes the stream position, locks the room, checks its
    // extremities, writes every row and commits in one round trip.
    [Test]
    public async Task A_message_after_an_earlier_send_costs_one_round_trip()
    {
        var alice = await Server.RegisterUserAsync();
        var bob = await Server.RegisterUserAsync();
        var roomId = await alice.CreatePublicRoomAsync();
        (await bob.JoinAsync(roomId)).Ok();
        await alice.SendMessageAsync(roomId, "warm");
        await bob.SendMessageAsync(roomId, "warm too");

        var tag = Guid.NewGuid().ToString("N");
        alice.Client.Http.DefaultRequestHeaders.Add(DatabaseRoundTrips.Header, tag);
        await alice.SendMessageAsync(roomId, "counted");
        alice.Client.Http.DefaultRequestHeaders.Remove(DatabaseRoundTrips.Header);

        var statements = RoundTrips.Of(tag);
        TestContext.Out.WriteLine($"{statements.Count} round trips:");
        foreach (var statement in statements)
            TestContext.Out.WriteLine("  " + statement);
        Assert.That(statements, Has.Count.EqualTo(1));
        Assert.That(statements[0], Does.Contain("lock_room_expecting_extremities"));
        Assert.That(statements, Has.None.Contains("event_transaction_ids WHERE"), "no transaction ID lookup before the send");
        Assert.That(statements, Has.None.Contains("FROM current_state_events c"), "no state load by the creator");
        Assert.That(statements, Has.None.Contains("SELECT room_version"), "no room lookup by the creator");
    }
}
