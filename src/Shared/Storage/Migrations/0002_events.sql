-- 0002: rooms, events, the event graph, current state and state snapshots.
--
-- Conventions for the whole file:
-- * Event IDs held in other tables are deliberately not foreign keys to events. Federation
--   names events we do not have yet (prev and auth events we are still fetching), and the
--   persister writes all the rows of one event in one transaction anyway, so the check would
--   cost an index probe per row to catch nothing.
-- * Matrix identifiers are text: they are compared for equality only, and room and event IDs
--   are opaque strings whose grammar differs by room version.

-- One row per room this server knows anything about.
CREATE TABLE rooms (
    room_id      text    PRIMARY KEY,
    -- The identifier from m.room.create ("1".."12"); it selects the auth rules, redaction
    -- algorithm and event ID format, so every read of a room's events needs it.
    room_version text    NOT NULL,
    -- Sender of m.room.create. NULL while the create event is unknown, e.g. for a room we
    -- only know through an invite received over federation.
    creator      text,
    -- Listed in this server's public room directory.
    is_public    boolean NOT NULL DEFAULT false
);

-- The room directory lists public rooms only; a partial index keeps that scan proportional
-- to the public rooms, not to every room the server has seen.
CREATE INDEX rooms_public ON rooms (room_id) WHERE is_public;

-- Every event this server has accepted, rejected or holds as an outlier.
CREATE TABLE events (
    event_id             text    PRIMARY KEY,
    room_id              text    NOT NULL,
    -- Position in the events stream, drawn by the writer from events_stream_seq (no column
    -- default: the stream's writer must know every position it allocated, to advance its
    -- persisted-up-to position past gaps, so the allocator is the only source). Unique
    -- across all writers because they share the sequence.
    stream_ordering      bigint  NOT NULL UNIQUE,
    -- The writer that persisted this row (instances.instance_id); together with
    -- stream_ordering it is what a vector-clock token compares against.
    instance_id          integer NOT NULL REFERENCES instances,
    -- The event's depth. /messages pages in (topological_ordering, stream_ordering) order:
    -- depth follows the DAG, stream_ordering breaks ties between events of equal depth
    -- (forks) the same way for every reader.
    topological_ordering bigint  NOT NULL,
    type                 text    NOT NULL,
    -- NULL for message events; '' is a valid state key, distinct from "not state".
    state_key            text,
    sender               text    NOT NULL,
    origin_server_ts     bigint  NOT NULL,
    -- The event exactly as its canonical JSON (UTF-8 bytes, as CanonicalJson.Encode makes
    -- them). Not jsonb: jsonb reorders keys, drops duplicate keys and rewrites numbers, so
    -- the stored form would no longer be the bytes that the content hash and signatures
    -- cover, and redaction and federation need those bytes back. bytea rather than text:
    -- readers hand the bytes straight to System.Text.Json's UTF-8 reader and to response
    -- bodies, without a UTF-8 -> UTF-16 -> UTF-8 round trip per event on the /sync path.
    -- Ad hoc queries still work: convert_from(json, 'UTF8')::jsonb.
    json                 bytea   NOT NULL,
    -- Held without the state at it being known (auth chains, invites for rooms we are not
    -- in, events fetched to fill a gap): never in a timeline, never a forward extremity.
    outlier              boolean NOT NULL DEFAULT false,
    -- Failed the auth checks against the state before it (spec: server-server, "Rejection").
    -- Kept so that it is not fetched and checked again, and to answer auth chain requests;
    -- never served to clients and never state. NULL means accepted.
    rejection_reason     text,
    -- Passed auth against its own state but not against the room's current state
    -- (spec: "Soft failure"): stored and usable as auth/prev, but not sent to clients and
    -- not a forward extremity.
    soft_failed          boolean NOT NULL DEFAULT false
);

-- Replication catch-up and /sync across rooms read "all events with
--     stream_ordering > $from AND stream_ordering <= $to ORDER BY stream_ordering LIMIT n";
-- the UNIQUE constraint's index on (stream_ordering) serves that range in order, so no
-- separate index is declared for it.

-- /messages: "events of room R before (or after) position (depth, stream) in that order":
--     WHERE room_id = $r AND (topological_ordering, stream_ordering) < ($depth, $stream)
--     ORDER BY topological_ordering DESC, stream_ordering DESC LIMIT n
-- walks this index backwards (or forwards) from the token and stops after n rows.
CREATE INDEX events_room_topological ON events (room_id, topological_ordering, stream_ordering);

-- /sync per room: "the newest n events of room R with stream_ordering in ($since, $to]" for
-- the timeline of an incremental sync (and the newest n for an initial one); the room's
-- events in stream order, read backwards from $to.
CREATE INDEX events_room_stream ON events (room_id, stream_ordering);

-- The DAG's prev_events edges: event_id lists prev_event_id among its prev_events.
CREATE TABLE event_edges (
    event_id      text NOT NULL,
    prev_event_id text NOT NULL,
    -- The primary key answers "what are E's prev events" (walking back for backfill,
    -- state at an event, missing-event detection).
    PRIMARY KEY (event_id, prev_event_id)
);

-- The reverse direction, "which stored events point at E": when E arrives after one of its
-- children (federation delivers out of order), E must not become a forward extremity; and
-- walking the DAG forwards from an event.
CREATE INDEX event_edges_prev ON event_edges (prev_event_id);

-- The DAG's auth_events edges, for auth chains (federation /event_auth, /state, /send_join)
-- and state resolution's auth difference.
CREATE TABLE event_auth_edges (
    event_id      text NOT NULL,
    auth_event_id text NOT NULL,
    -- Serves "auth events of E", which is how an auth chain is walked.
    PRIMARY KEY (event_id, auth_event_id)
);

-- The events of each room that no other event of the room references yet: the prev_events
-- of the next event this server creates there, and the inputs to the room's current state.
-- Only the room's persister writes a room's rows, so they change without contention.
CREATE TABLE room_forward_extremities (
    room_id  text NOT NULL,
    event_id text NOT NULL,
    -- Serves "extremities of room R" (a prefix scan) and removal of one that got a child.
    PRIMARY KEY (room_id, event_id)
);

-- The resolved current state of each room: one event per (type, state_key).
CREATE TABLE current_state_events (
    room_id    text NOT NULL,
    type       text NOT NULL,
    state_key  text NOT NULL,
    event_id   text NOT NULL,
    -- content.membership of m.room.member events ('join', 'invite', 'leave', 'ban',
    -- 'knock'), copied out of the event JSON so "rooms user U is in" and "members of R"
    -- need not parse events. Auth rejects member events without one, and rejected events
    -- never become state, hence the CHECK.
    membership text,
    CHECK ((type = 'm.room.member') = (membership IS NOT NULL)),
    -- Serves "state of R" (whole-room prefix scan, /sync initial state, /state), "the event
    -- for (R, type, key)" (auth, power levels, join rules) and "members of R" (the prefix
    -- (room_id, 'm.room.member') with a filter on membership).
    PRIMARY KEY (room_id, type, state_key)
);

-- "Rooms user U is in / invited to / left" for every /sync: WHERE type = 'm.room.member'
-- AND state_key = $user [AND membership = 'join']. Partial, so it indexes member events
-- only; keyed by user first, so the lookup touches that user's few rows, not the rooms.
CREATE INDEX current_state_events_member ON current_state_events (state_key, membership)
    WHERE type = 'm.room.member';

-- State snapshots. A state group is a full room state, stored either completely or as a
-- delta on top of an earlier group, so that events whose state differs by one key do not
-- each copy the whole room state.
CREATE TABLE state_groups (
    state_group        bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room_id            text    NOT NULL,
    -- The event this snapshot was first computed for; provenance for debugging.
    event_id           text    NOT NULL,
    -- NULL: state_groups_state holds the whole state. Otherwise it holds only the
    -- differences from this earlier group of the same room.
    prev_state_group   bigint  REFERENCES state_groups,
    -- How many deltas lie between this group and a full snapshot, so a writer can decide
    -- to store a full snapshot instead of chaining further without walking the chain;
    -- readers resolve at most this many + 1 groups.
    delta_chain_length integer NOT NULL,
    CHECK ((prev_state_group IS NULL) = (delta_chain_length = 0)),
    CHECK (delta_chain_length >= 0)
);

CREATE TABLE state_groups_state (
    state_group bigint NOT NULL REFERENCES state_groups,
    type        text   NOT NULL,
    state_key   text   NOT NULL,
    -- NULL only in a delta: the key is absent from this group although present in the
    -- previous one (state resolution may drop a key that one fork had).
    event_id    text,
    -- Serves "all entries of group G" (a prefix scan, once per group in a delta chain) and
    -- "entry (type, key) of group G" (the same index, fully qualified).
    PRIMARY KEY (state_group, type, state_key)
);

-- The state immediately before each non-outlier event: what it was authorised against and
-- what federation /state_ids returns for it. The state after a state event is this plus
-- the event itself (unless rejected); for any other event it is this group unchanged.
CREATE TABLE event_to_state_groups (
    -- The primary key serves "state group of event E", the only lookup made here.
    event_id    text   PRIMARY KEY,
    state_group bigint NOT NULL REFERENCES state_groups
);
