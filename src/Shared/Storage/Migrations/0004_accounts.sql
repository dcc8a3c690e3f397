-- 0004: local accounts: users, their profiles and devices, access tokens, user-interactive
-- auth sessions and the nonces of shared-secret registration.

-- One row per local user, deactivated ones included: a user ID is never given out twice.
CREATE TABLE users (
    -- The full user ID (@localpart:server_name); localparts of new users are lower case.
    user_id       text        PRIMARY KEY,
    -- Argon2id in PHC string form ($argon2id$v=19$m=..,t=..,p=..$salt$hash); NULL means the
    -- account cannot log in with a password.
    password_hash text,
    is_admin      boolean     NOT NULL DEFAULT false,
    -- A deactivated user can no longer log in; its devices (so its tokens) are deleted. The
    -- password hash stays, so that only the password's holder learns of the deactivation.
    deactivated   boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- The global profile. Member events copy these values when they are sent.
CREATE TABLE profiles (
    user_id     text PRIMARY KEY REFERENCES users ON DELETE CASCADE,
    displayname text,
    avatar_url  text
);

CREATE TABLE devices (
    user_id      text        NOT NULL REFERENCES users ON DELETE CASCADE,
    device_id    text        NOT NULL,
    display_name text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- Updated when the device logs in, not on every request (that would be a write per request).
    last_seen_at timestamptz,
    last_seen_ip text,
    PRIMARY KEY (user_id, device_id)
);

-- Access tokens are random; only their SHA-256 is kept, so a copy of this table lets nobody
-- act as a user. Deleting a device deletes its tokens (the foreign key cascades).
CREATE TABLE access_tokens (
    token_id   bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- SHA-256 of the token's UTF-8 bytes; every authenticated request looks one up:
    --     WHERE token_hash = $1
    token_hash bytea       NOT NULL UNIQUE,
    user_id    text        NOT NULL,
    device_id  text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (user_id, device_id) REFERENCES devices ON DELETE CASCADE
);

-- Logging a device out and the cascade from devices find a device's tokens:
--     WHERE user_id = $1 AND device_id = $2
CREATE INDEX access_tokens_device ON access_tokens (user_id, device_id);

-- User-interactive authentication sessions. Every process may serve any step of a session,
-- so they live here rather than in memory.
CREATE TABLE ui_auth_sessions (
    session_id text        PRIMARY KEY,
    -- The operation the session authorises ('register', 'delete_devices', ...): completing
    -- stages for one operation must not authorise another.
    purpose    text        NOT NULL,
    -- The authenticated user the session belongs to; NULL for registration.
    user_id    text,
    -- Stages completed so far, in order.
    completed  text[]      NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Expired sessions are deleted in bulk: WHERE created_at < $1
CREATE INDEX ui_auth_sessions_created ON ui_auth_sessions (created_at);

-- Nonces handed out by GET /_synapse/admin/v1/register; each is consumed by one POST.
CREATE TABLE registration_nonces (
    nonce      text        PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Expired nonces are deleted in bulk: WHERE created_at < $1
CREATE INDEX registration_nonces_created ON registration_nonces (created_at);
