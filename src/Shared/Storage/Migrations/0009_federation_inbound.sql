-- 0009: transactions other servers send us (PUT /_matrix/federation/v1/send/{txnId}).

-- Each (origin, txn_id) is taken once: a sender that retries a transaction (it did not see our
-- answer) gets the answer again without its PDUs being queued twice.
CREATE TABLE federation_inbound_transactions (
    origin      text   NOT NULL,
    txn_id      text   NOT NULL,
    received_ts bigint NOT NULL,
    PRIMARY KEY (origin, txn_id)
);

-- PDUs taken from transactions and not processed yet. /send answers once they are here, so a
-- slow check (fetching keys, missing events or state from the origin) never holds the sender's
-- connection; the federation reader processes them per room in arrival order and deletes each
-- when done, and whatever a crash left behind is processed at the next start.
CREATE TABLE federation_inbound_pdus (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    origin      text   NOT NULL,
    room_id     text   NOT NULL,
    event_id    text   NOT NULL,
    json        bytea  NOT NULL,
    received_ts bigint NOT NULL
);

-- "The next PDUs of room R in arrival order": the per-room queue is a prefix scan.
CREATE INDEX federation_inbound_pdus_room ON federation_inbound_pdus (room_id, id);

-- An event another server handed over for its user's membership (send_join, send_leave,
-- send_knock): this server, which the room's other servers may not reach it through otherwise,
-- sends it on to them, except to the server named here, which built it.
ALTER TABLE events ADD COLUMN send_on_behalf_of text;

-- A local user's join made through another server (make_join/send_join): that resident server
-- holds it already and passes it on to the room's other servers, so this server's sender does
-- not send it too (each server would get it twice).
ALTER TABLE events ADD COLUMN sent_by_resident boolean NOT NULL DEFAULT false;
