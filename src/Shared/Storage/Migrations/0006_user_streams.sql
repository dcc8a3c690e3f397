-- 0006: the per-user and ephemeral streams of the client API (typing, receipts, account data,
-- to-device, push rules) and the stored /sync filters.
--
-- Every stream here follows the pattern of 0003: positions from one sequence per stream
-- (<stream>_stream_seq, default CACHE 1: a writer with nothing in flight advances to the
-- sequence's last_value), a bigint stream_id and the writer's instance_id on every row, and
-- an index on (instance_id, stream_id) for replication catch-up, which reads
--     WHERE instance_id = $w AND stream_id > $from AND stream_id <= $to ORDER BY stream_id
-- Each writer's persisted position lives in stream_positions under the stream's name.
-- The stream names match the /sync token's fields: typing, receipts, account_data,
-- to_device, push_rules.

-------------------------------------------------------------------------------------------
-- Typing. Readers keep each room's typing set in memory; the table lets them rebuild it at
-- start and lets a restarted writer find the typing it still has to expire.
CREATE SEQUENCE typing_stream_seq;

CREATE TABLE typing_stream (
    stream_id     bigint  NOT NULL PRIMARY KEY,
    instance_id   integer NOT NULL REFERENCES instances,
    room_id       text    NOT NULL,
    user_id       text    NOT NULL,
    -- true: the user started (or is still) typing; false: stopped, by request or by expiry.
    typing        boolean NOT NULL,
    -- Unix ms at which this row's typing ends: the request's timeout for a start, the time of
    -- writing for a stop. Readers stop trusting a start whose writer never wrote its expiry.
    expires_at_ms bigint  NOT NULL
);

CREATE INDEX typing_stream_writer ON typing_stream (instance_id, stream_id);

-- Rebuilding the typing sets at start reads only rows that can still matter:
--     WHERE expires_at_ms > $now_minus_grace
-- and pruning deletes the old ones by the same column.
CREATE INDEX typing_stream_expiry ON typing_stream (expires_at_ms);

-------------------------------------------------------------------------------------------
-- Receipts: the stream holds every receipt sent (deltas for incremental /sync); receipts
-- holds the latest per (room, type, user, thread) for initial /sync.
CREATE SEQUENCE receipts_stream_seq;

CREATE TABLE receipts_stream (
    stream_id    bigint  NOT NULL PRIMARY KEY,
    instance_id  integer NOT NULL REFERENCES instances,
    room_id      text    NOT NULL,
    -- 'm.read' or 'm.read.private' (m.fully_read is room account data, not a receipt).
    receipt_type text    NOT NULL,
    user_id      text    NOT NULL,
    -- NULL for an unthreaded receipt, 'main' or a thread root's event ID otherwise.
    thread_id    text,
    event_id     text    NOT NULL,
    -- The receipt's ts (Unix ms), set by the server when it was received.
    ts           bigint  NOT NULL
);

CREATE INDEX receipts_stream_writer ON receipts_stream (instance_id, stream_id);

-- Incremental /sync: "receipts of rooms R1..Rn between two positions":
--     WHERE room_id = ANY($rooms) AND stream_id > $low AND stream_id <= $high
CREATE INDEX receipts_stream_room ON receipts_stream (room_id, stream_id);

CREATE TABLE receipts (
    room_id      text    NOT NULL,
    receipt_type text    NOT NULL,
    user_id      text    NOT NULL,
    -- '' for an unthreaded receipt (a primary key column cannot be NULL).
    thread_id    text    NOT NULL,
    event_id     text    NOT NULL,
    ts           bigint  NOT NULL,
    -- The stream row this receipt came from: of two writers racing on one key, the higher
    -- position wins, whichever commits last.
    stream_id    bigint  NOT NULL,
    -- Serves the upsert and initial /sync's "receipts of room R" (a prefix scan).
    PRIMARY KEY (room_id, receipt_type, user_id, thread_id)
);

-------------------------------------------------------------------------------------------
-- Account data: the stream says which (user, room, type) changed; account_data holds the
-- current content.
CREATE SEQUENCE account_data_stream_seq;

CREATE TABLE account_data_stream (
    stream_id   bigint  NOT NULL PRIMARY KEY,
    instance_id integer NOT NULL REFERENCES instances,
    user_id     text    NOT NULL,
    -- '' for global account data.
    room_id     text    NOT NULL,
    type        text    NOT NULL
);

CREATE INDEX account_data_stream_writer ON account_data_stream (instance_id, stream_id);

-- Incremental /sync: "what of user U changed between two positions":
--     WHERE user_id = $u AND stream_id > $low AND stream_id <= $high
CREATE INDEX account_data_stream_user ON account_data_stream (user_id, stream_id);

CREATE TABLE account_data (
    user_id   text   NOT NULL,
    room_id   text   NOT NULL,
    type      text   NOT NULL,
    -- The content as compact JSON (UTF-8 bytes), served as it is: bytea rather than jsonb so
    -- it reaches response bodies without a reparse (see events.json in 0002).
    content   bytea  NOT NULL,
    -- As in receipts: the higher position wins a race between writers.
    stream_id bigint NOT NULL,
    -- Serves GET of one type, the upsert, and initial /sync's "all of user U" (a prefix scan).
    PRIMARY KEY (user_id, room_id, type)
);

-------------------------------------------------------------------------------------------
-- To-device: one row per recipient device, deleted once that device has synced past it.
CREATE SEQUENCE to_device_stream_seq;

CREATE TABLE to_device_stream (
    stream_id   bigint  NOT NULL PRIMARY KEY,
    instance_id integer NOT NULL REFERENCES instances,
    user_id     text    NOT NULL,
    device_id   text    NOT NULL,
    sender      text    NOT NULL,
    type        text    NOT NULL,
    -- Compact JSON; read by the recipient's /sync only, never carried on the bus.
    content     bytea   NOT NULL
);

CREATE INDEX to_device_stream_writer ON to_device_stream (instance_id, stream_id);

-- A device's inbox, in order: /sync reads
--     WHERE user_id = $u AND device_id = $d AND stream_id > $since ORDER BY stream_id LIMIT n
-- and acknowledgement deletes the covered prefix by the same key.
CREATE INDEX to_device_stream_inbox ON to_device_stream (user_id, device_id, stream_id);

-- PUT /sendToDevice is idempotent per sending device and transaction ID.
CREATE TABLE to_device_txns (
    user_id    text        NOT NULL,
    device_id  text        NOT NULL,
    txn_id     text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, device_id, txn_id)
);

-------------------------------------------------------------------------------------------
-- Push rules: the stream says whose rules changed; the rules themselves are the server
-- defaults (in code) plus the rows below.
CREATE SEQUENCE push_rules_stream_seq;

CREATE TABLE push_rules_stream (
    stream_id   bigint  NOT NULL PRIMARY KEY,
    instance_id integer NOT NULL REFERENCES instances,
    user_id     text    NOT NULL
);

CREATE INDEX push_rules_stream_writer ON push_rules_stream (instance_id, stream_id);

-- /sync: "did user U's rules change between two positions":
--     WHERE user_id = $u AND stream_id > $low AND stream_id <= $high LIMIT 1
CREATE INDEX push_rules_stream_user ON push_rules_stream (user_id, stream_id);

-- User-defined rules.
CREATE TABLE push_rules (
    user_id    text    NOT NULL,
    -- 'override', 'content', 'room', 'sender' or 'underride'.
    kind       text    NOT NULL,
    rule_id    text    NOT NULL,
    -- Order within the user's rules of one kind: higher is more important.
    priority   integer NOT NULL,
    -- JSON array; NULL for kinds without conditions.
    conditions jsonb,
    -- content rules only.
    pattern    text,
    actions    jsonb   NOT NULL,
    enabled    boolean NOT NULL,
    -- Serves "all rules of user U" (the whole ruleset is assembled per request or sync).
    PRIMARY KEY (user_id, kind, rule_id)
);

-- What a user changed of a server-default rule; NULL keeps the default.
CREATE TABLE push_rule_defaults (
    user_id text    NOT NULL,
    kind    text    NOT NULL,
    rule_id text    NOT NULL,
    enabled boolean,
    actions jsonb,
    PRIMARY KEY (user_id, kind, rule_id)
);

-------------------------------------------------------------------------------------------
-- Stored /sync filters (not a stream: a filter never changes once uploaded).
CREATE TABLE user_filters (
    user_id     text   NOT NULL,
    -- Numbered per user from 0; the API hands it out as a decimal string.
    filter_id   bigint NOT NULL,
    -- The filter as canonical JSON.
    filter      bytea  NOT NULL,
    -- SHA-256 of filter: clients upload the same filter at every start, and get the same ID
    -- back instead of a new row each time.
    filter_hash bytea  NOT NULL,
    -- Serves GET of one filter and "the next ID of user U" (max over the user's prefix).
    PRIMARY KEY (user_id, filter_id),
    UNIQUE (user_id, filter_hash)
);
