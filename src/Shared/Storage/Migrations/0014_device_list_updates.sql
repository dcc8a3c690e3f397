-- 0014: device lists over federation, both ways.

-- Outbound. Every change a remote server could see in a local user's device list (a device
-- added, renamed or removed) becomes an m.device_list_update EDU for each other server with a
-- member joined to a room the user is joined to, written to the durable EDU outbox (0010) by the
-- trigger of 0011, so in the transaction that changes the device: no code path that writes
-- devices can forget it, and no change is lost when a sender or a destination is down.
--
-- Each change takes the next device_lists_stream_seq value as its stream_id after locking the
-- user's device_list_versions row, so a user's stream_ids grow in commit order, and its prev_id
-- is the user's version before it (none for the user's first change): the EDUs of one user form
-- one chain, which a receiver follows or, when it sees a prev_id it has not got, resyncs from.
-- Destinations are the servers in the user's rooms at the time of the change; a server that was
-- not there for an earlier change sees an unknown prev_id and asks for the whole list.
--
-- The EDU's content is built here as JSON (not canonical: the sender parses it before sending);
-- device_display_name is absent when the device has none (as /user/devices leaves it out), and
-- keys are absent as end-to-end encryption is not built.
CREATE FUNCTION device_list_announce(changed_user text, changed_device text, display_name text, deleted boolean)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    previous bigint;
    version  bigint;
    edu      jsonb;
    target   text;
BEGIN
    -- The row exists and is locked before the version is drawn: concurrent changes of one user
    -- queue here, and the later one reads the earlier one's version as its prev_id.
    INSERT INTO device_list_versions (user_id, stream_id) VALUES (changed_user, 0) ON CONFLICT (user_id) DO NOTHING;
    SELECT v.stream_id INTO previous FROM device_list_versions v WHERE v.user_id = changed_user FOR UPDATE;
    version := nextval('device_lists_stream_seq');
    UPDATE device_list_versions SET stream_id = version WHERE user_id = changed_user;

    edu := jsonb_build_object(
        'user_id', changed_user,
        'device_id', changed_device,
        'stream_id', version,
        'prev_id', CASE WHEN previous > 0 THEN jsonb_build_array(previous) ELSE '[]'::jsonb END);
    IF deleted THEN
        edu := edu || jsonb_build_object('deleted', true);
    ELSIF display_name <> '' THEN
        edu := edu || jsonb_build_object('device_display_name', display_name);
    END IF;

    -- A user's server is everything after the first colon of the user ID (here, this server).
    -- The channel is DurableEduOutbox.Channel: the sender owning the destination wakes at commit.
    FOR target IN
        SELECT DISTINCT substr(other.state_key, strpos(other.state_key, ':') + 1)
        FROM current_state_events mine
        JOIN current_state_events other
            ON other.room_id = mine.room_id AND other.type = 'm.room.member' AND other.membership = 'join'
        WHERE mine.state_key = changed_user AND mine.type = 'm.room.member' AND mine.membership = 'join'
    LOOP
        CONTINUE WHEN target = substr(changed_user, strpos(changed_user, ':') + 1);
        INSERT INTO federation_outbox_edus (destination, edu_type, content)
        VALUES (target, 'm.device_list_update', edu::text);
        PERFORM pg_notify('federation_outbox_edus', target);
    END LOOP;
END;
$$;

-- Replaces 0011's function (the trigger stays): an update that leaves device_id and display_name
-- as they were (a login on a known device sets display_name to itself) changes nothing another
-- server sees, so it neither moves the version nor sends anything.
CREATE OR REPLACE FUNCTION device_list_versions_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM device_list_announce(NEW.user_id, NEW.device_id, NEW.display_name, false);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM device_list_announce(OLD.user_id, OLD.device_id, NULL, true);
    ELSIF OLD.user_id <> NEW.user_id OR OLD.device_id <> NEW.device_id THEN
        PERFORM device_list_announce(OLD.user_id, OLD.device_id, NULL, true);
        PERFORM device_list_announce(NEW.user_id, NEW.device_id, NEW.display_name, false);
    ELSIF OLD.display_name IS DISTINCT FROM NEW.display_name THEN
        PERFORM device_list_announce(NEW.user_id, NEW.device_id, NEW.display_name, false);
    END IF;
    RETURN NULL;
END;
$$;

-- Inbound. Other servers' users' device lists, as their servers told us: a whole list fetched
-- with GET /user/devices/{userId} (a resync), then kept up to date with the m.device_list_update
-- EDUs that follow on from it. Kept only for users who share a room with a local user.
CREATE TABLE remote_device_lists (
    user_id         text    PRIMARY KEY,
    -- The origin's stream_id of the list held in remote_devices: the resync's, or the last EDU
    -- applied on top of it. NULL until a first resync succeeds.
    stream_id       bigint,
    -- When a resync is due (Unix ms): set when an EDU does not follow on from stream_id (one was
    -- lost) or the list was never fetched; NULL when the list is up to date. While it is set,
    -- EDUs are not applied (the resync brings their changes), and the list held is stale.
    resync_at       bigint,
    -- Resyncs tried since the last success; the next one waits longer each time.
    resync_attempts integer NOT NULL DEFAULT 0
);

-- The federation readers look for due resyncs: WHERE resync_at <= now, soonest first.
CREATE INDEX remote_device_lists_resync_due ON remote_device_lists (resync_at) WHERE resync_at IS NOT NULL;

CREATE TABLE remote_devices (
    user_id      text NOT NULL REFERENCES remote_device_lists (user_id) ON DELETE CASCADE,
    device_id    text NOT NULL,
    display_name text,
    PRIMARY KEY (user_id, device_id)
);
