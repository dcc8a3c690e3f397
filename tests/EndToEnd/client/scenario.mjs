// Two real matrix-js-sdk clients live a conversation on the homeserver at argv[2]:
// register, create and join a room, exchange 100 messages, see each other's typing and
// receipts, paginate back to the room's creation, and check that each client's timeline is
// exactly what the server's /messages returns. Prints one JSON line; exits 1 on failure.
import * as sdk from "matrix-js-sdk";
import { logger } from "matrix-js-sdk/lib/logger.js";

logger.setLevel("error");
const baseUrl = process.argv[2];
const messageCount = Number(process.argv[3] ?? 100);
const deadline = (ms, what) =>
  new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms));
const within = (promise, ms, what) => Promise.race([promise, deadline(ms, what)]);

function until(emitter, event, predicate, what, ms = 20000) {
  return within(new Promise((resolve) => {
    const listener = (...args) => {
      if (predicate(...args)) {
        emitter.off(event, listener);
        resolve(args);
      }
    };
    emitter.on(event, listener);
  }), ms, what);
}

async function register(localpart) {
  const anonymous = sdk.createClient({ baseUrl });
  const password = `pw-${localpart}-secret`;
  let session;
  try {
    await anonymous.registerRequest({ username: localpart, password });
  } catch (e) {
    // The user-interactive auth flow: 401 with a session, then complete m.login.dummy.
    if (e.httpStatus !== 401 || !e.data?.session) throw e;
    session = e.data.session;
  }
  const registered = await anonymous.registerRequest({
    username: localpart, password, auth: { type: "m.login.dummy", session },
  });
  const client = sdk.createClient({
    baseUrl, accessToken: registered.access_token, userId: registered.user_id, deviceId: registered.device_id,
  });
  const prepared = until(client, sdk.ClientEvent.Sync, (state) => state === "PREPARED", `${localpart}'s first sync`, 30000);
  await client.startClient({ initialSyncLimit: 10 });
  await prepared;
  return client;
}

// Resolves once the event has come down the client's /sync (not just its local echo).
async function delivered(client, roomId, eventId) {
  const has = () => client.getRoom(roomId)?.getLiveTimeline().getEvents().some((e) => e.getId() === eventId && !e.status);
  // A remote echo replacing a local one raises no Timeline event, so poll.
  for (const started = Date.now(); !has(); await new Promise((r) => setTimeout(r, 5))) {
    if (Date.now() - started > 20000) throw new Error(`${client.getUserId()} never received ${eventId} from /sync`);
  }
}

const timelineIds = (room) => room.getLiveTimeline().getEvents().map((e) => e.getId());

async function paginateToCreation(client, room) {
  for (let i = 0; i < 200; i++) {
    const events = room.getLiveTimeline().getEvents();
    if (events.length > 0 && events[0].getType() === "m.room.create") return;
    await client.scrollback(room, 30);
  }
  throw new Error(`${client.getUserId()} never reached m.room.create by paginating`);
}

async function serverHistory(client, roomId) {
  const ids = [];
  let from = null;
  for (let i = 0; i < 200; i++) {
    const page = await client.createMessagesRequest(roomId, from, 50, sdk.Direction.Backward);
    ids.push(...page.chunk.map((e) => e.event_id));
    if (!page.end || page.chunk.length === 0) return ids.reverse();
    from = page.end;
  }
  throw new Error("/messages never ended");
}

async function main() {
  const suffix = Date.now().toString(36);
  const alice = await register(`alice-${suffix}`);
  const bob = await register(`bob-${suffix}`);

  const bobInvited = until(bob, sdk.RoomEvent.MyMembership, (room, membership) => membership === "invite", "bob's invite");
  const { room_id: roomId } = await alice.createRoom({ preset: sdk.Preset.PrivateChat, invite: [bob.getUserId()], name: "e2e" });
  await bobInvited;
  await bob.joinRoom(roomId);
  await until(alice, sdk.RoomStateEvent.Members, (event, state, member) =>
    member.userId === bob.getUserId() && member.membership === "join", "alice seeing bob join");

  // Typing, both ways.
  const bobSeesTyping = until(bob, sdk.RoomMemberEvent.Typing, (event, member) =>
    member.userId === alice.getUserId() && member.typing, "bob seeing alice type");
  await alice.sendTyping(roomId, true, 30000);
  await bobSeesTyping;
  const aliceSeesTyping = until(alice, sdk.RoomMemberEvent.Typing, (event, member) =>
    member.userId === bob.getUserId() && member.typing, "alice seeing bob type");
  await bob.sendTyping(roomId, true, 30000);
  await aliceSeesTyping;
  await alice.sendTyping(roomId, false, 0);
  await bob.sendTyping(roomId, false, 0);

  // 100 messages, alternating senders, as a conversation: each is answered only once both
  // clients have it from /sync, so each client's timeline order is the server's order.
  const sent = [];
  for (let i = 0; i < messageCount; i++) {
    const sender = i % 2 === 0 ? alice : bob;
    const { event_id } = await sender.sendTextMessage(roomId, `message ${i}`);
    sent.push(event_id);
    await Promise.all([alice, bob].map((client) => delivered(client, roomId, event_id)));
  }

  // Receipts: bob reads the last message, alice sees it.
  const lastEvent = bob.getRoom(roomId).findEventById(sent[sent.length - 1]);
  const aliceSeesReceipt = until(alice, sdk.RoomEvent.Receipt, () =>
    alice.getRoom(roomId)?.getEventReadUpTo(bob.getUserId()) === sent[sent.length - 1], "alice seeing bob's receipt");
  await bob.sendReadReceipt(lastEvent);
  await aliceSeesReceipt;

  // History back to creation, compared with the server's own /messages.
  const report = { roomId, messages: sent.length, clients: {} };
  for (const client of [alice, bob]) {
    const room = client.getRoom(roomId);
    await paginateToCreation(client, room);
    const local = timelineIds(room);
    const server = await serverHistory(client, roomId);
    const missing = sent.filter((id) => !local.includes(id));
    if (missing.length > 0) throw new Error(`${client.getUserId()} lacks ${missing.length} sent messages`);
    if (new Set(local).size !== local.length) throw new Error(`${client.getUserId()}'s timeline repeats events`);
    if (JSON.stringify(local) !== JSON.stringify(server))
      throw new Error(`${client.getUserId()}'s timeline (${local.length} events) differs from /messages (${server.length}):\n` +
        `client: ${local.join(",")}\nserver: ${server.join(",")}`);
    report.clients[client.getUserId()] = { timelineEvents: local.length };
  }
  alice.stopClient();
  bob.stopClient();
  console.log(JSON.stringify({ ok: true, ...report }));
}

within(main(), 240000, "the whole scenario").then(() => process.exit(0), (e) => {
  console.log(JSON.stringify({ ok: false, error: String(e?.stack ?? e) }));
  process.exit(1);
});
