-- 0011: a version number for each user's device list, which another server asking for the list
-- (GET /_matrix/federation/v1/user/devices/{userId}) gets as its stream_id.
--
-- Device lists are not a stream yet (no m.device_list_update EDUs are sent), so there is no
-- stream position to give. The number must not go back when a device goes (the newest
-- created_at would), and must move when the list changes, so every write to devices takes the
-- next value of one sequence for its user, in a trigger: no code path that adds, renames or
-- deletes devices (login, registration, logout, deletion, password change, deactivation) can
-- forget it. The sequence is the one a device-list stream would take its positions from.
CREATE SEQUENCE device_lists_stream_seq;

-- The position of each user's last device-list change; a user absent here has had no change
-- since this migration (version 0).
CREATE TABLE device_list_versions (
    user_id   text   PRIMARY KEY,
    stream_id bigint NOT NULL
);

CREATE FUNCTION device_list_versions_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO device_list_versions (user_id, stream_id)
    VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.user_id ELSE NEW.user_id END, nextval('device_lists_stream_seq'))
    ON CONFLICT (user_id) DO UPDATE SET stream_id = EXCLUDED.stream_id;
    RETURN NULL;
END;
$$;

-- last_seen_* change on every login of a device; they are not part of the list others see.
CREATE TRIGGER devices_list_changed
    AFTER INSERT OR DELETE OR UPDATE OF device_id, display_name ON devices
    FOR EACH ROW EXECUTE FUNCTION device_list_versions_bump();
