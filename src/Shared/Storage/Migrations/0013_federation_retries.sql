-- 0013: retrying, both ways.

-- Inbound PDUs that got no verdict yet (the keys of their signers or their auth events could not
-- be had) stay queued and are tried again later, a bounded number of times. attempts: how many
-- times the PDU was processed without a verdict; retry_at (Unix ms): not to be processed before
-- then, NULL when it is ready now. The federation reader skips waiting rows, so a PDU that waits
-- never holds up the later PDUs of its room.
ALTER TABLE federation_inbound_pdus
    ADD COLUMN attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN retry_at bigint;

-- A destination that makes an authenticated request here is up: when it does while we back off
-- from it (failures > 0), the federation reader stamps the time (Unix ms) here and the sender
-- that owns the destination, which looks every second, ends the back-off if the stamp is later
-- than its last failed attempt. A row rather than a bus message: it works alike in one process
-- and across a cluster, and is not lost when the sender is restarting.
ALTER TABLE federation_destinations
    ADD COLUMN heard_from_ts bigint;
