-- 0007: other servers' signing keys, as fetched from their /_matrix/key/v2/server, for
-- request authentication (X-Matrix) and event signature checks, and the notary
-- (/_matrix/key/v2/query), which serves the responses exactly as their servers signed them.

-- One verify key of one server. A key is usable for a timestamp ts when
--     expired_ts IS NULL AND ts <= valid_until_ts     (a current key, as recently published)
--  or expired_ts IS NOT NULL AND ts < expired_ts      (an old key, published under old_verify_keys)
-- Lookups are by (server_name, key_id): the primary key serves them.
CREATE TABLE server_keys (
    server_name     text   NOT NULL,
    key_id          text   NOT NULL,
    -- Unpadded Base64 of the 32-byte Ed25519 public key.
    public_key      text   NOT NULL,
    -- Unix ms: the response's valid_until_ts, capped at fetch time plus 7 days (the spec has
    -- servers use the lesser of the two).
    valid_until_ts  bigint NOT NULL,
    -- Unix ms at which the server stopped using the key; null for a current key.
    expired_ts      bigint,
    fetched_ts      bigint NOT NULL,
    PRIMARY KEY (server_name, key_id)
);

-- The latest key response of each server as it signed it (canonical JSON), for the notary.
-- One row per server: a newer response replaces the older. Read by server_name (the key).
CREATE TABLE server_key_responses (
    server_name     text   NOT NULL PRIMARY KEY,
    response        bytea  NOT NULL,
    valid_until_ts  bigint NOT NULL,
    fetched_ts      bigint NOT NULL
);
