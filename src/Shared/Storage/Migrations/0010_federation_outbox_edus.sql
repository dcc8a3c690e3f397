-- 0010: EDUs that must reach another server even if it is down for a while or the sender
-- restarts (m.direct_to_device), kept like the PDUs of federation_outbox (0008): the writer of
-- the message inserts the row in the same transaction that takes the client's request; the
-- sender that owns the destination stamps the first rows with the next transaction's ID
-- (together with that destination's PDUs), sends them, and deletes them once answered.
-- Typing and receipts are not here: they are ephemeral and kept in the sender's memory only.
CREATE TABLE federation_outbox_edus (
    edu_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    destination text   NOT NULL,
    edu_type    text   NOT NULL,
    -- The EDU's content as canonical JSON.
    content     text   NOT NULL,
    -- The transaction the row was put in; NULL until then (see federation_outbox.txn_id).
    txn_id      text
);

CREATE INDEX federation_outbox_edus_destination ON federation_outbox_edus (destination, edu_id);

-- The background role forgets inbound transaction IDs (0009) older than a day:
-- DELETE ... WHERE received_ts < $1 needs this rather than a scan of every transaction.
CREATE INDEX federation_inbound_transactions_received ON federation_inbound_transactions (received_ts);
