-- 0008: the federation sender's durable state (src/Workers/FederationSender): how far each sender
-- instance has read the events stream, the PDUs waiting for each destination, and each
-- destination's transaction counter and back-off.
--
-- How they fit together: a sender reads the events stream from its position; for a batch of
-- events it inserts one outbox row per (destination, event) and stores the position after the
-- batch, in one transaction. A restarted sender therefore resumes exactly after the last batch
-- whose rows it committed (nothing enqueued twice, nothing skipped). Each destination's outbox
-- is then drained in order, one /send transaction at a time: the first rows are stamped with a
-- transaction ID before they are sent, so a retry (after a failure or a restart) sends exactly
-- the same PDUs under the same ID, and the rows are deleted once the destination has answered.

-- One row per federation sender instance (its topology name; "main" in single-process mode).
CREATE TABLE federation_sender_positions (
    instance_name   text PRIMARY KEY,
    -- The events stream position (StreamPositionVector text form, e.g. "m56~2.58~3.59") up to
    -- which every event has been looked at and its outbox rows committed.
    events_position text NOT NULL
);

-- PDUs to send, one row per destination and event, in the order the sender read them.
CREATE TABLE federation_outbox (
    outbox_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- A server name; the events table holds the PDU (event_id is not a foreign key: see 0002).
    destination text   NOT NULL,
    event_id    text   NOT NULL,
    -- The transaction the row was put in; NULL until then. At most one transaction per
    -- destination is open (stamped, not yet answered): its rows are the destination's first.
    txn_id      text
);

-- "The first n rows of destination D" (the next transaction), "the rows of D's transaction T"
-- (deleted once answered) and "the destinations with rows" (at start) are prefix scans of this.
CREATE INDEX federation_outbox_destination ON federation_outbox (destination, outbox_id);

-- One row per destination ever sent to.
CREATE TABLE federation_destinations (
    destination text    PRIMARY KEY,
    -- The last transaction ID used (a number; the ID is its decimal form). A new one is
    -- max(last + 1, now in ms), so IDs stay unique for the destination even if this table
    -- is lost and rebuilt later (the remote deduplicates by origin and transaction ID).
    last_txn    bigint  NOT NULL DEFAULT 0,
    -- Failed attempts in a row (connection errors, timeouts, 5xx, 429); 0 when reachable.
    failures    integer NOT NULL DEFAULT 0,
    -- While failing: not tried again before this (Unix ms). NULL when not backing off.
    retry_at    bigint
);

-- The sender asks "which servers had a joined member in room R just before the event at
-- stream position P": the latest membership of each user of R below P,
--     WHERE room_id = $r AND stream_ordering < $p ORDER BY user_id, stream_ordering DESC
-- (DISTINCT ON user_id). room_memberships is otherwise indexed by user first, which cannot
-- serve a per-room scan.
CREATE INDEX room_memberships_room_user ON room_memberships (room_id, user_id, stream_ordering);
