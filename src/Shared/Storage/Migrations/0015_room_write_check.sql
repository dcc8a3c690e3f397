-- 0015: writing an event in one round trip.
--
-- A room's persister remembers the event it wrote last in the room. The next event built on that
-- event alone (a message after a message, say) is written with no read before it: one batch, one
-- implicit transaction, whose first statement after taking the stream position is this one. It
-- locks the room's row for the transaction, as the general path's SELECT ... FOR UPDATE does, and
-- fails with SQLSTATE MX001 (rolling the batch back) unless the room's forward extremities are
-- exactly the ones the persister expects (expected: distinct IDs): when another process wrote the room meanwhile, or the
-- persister's memory is wrong, nothing is written and the persister takes the general path.
CREATE FUNCTION lock_room_expecting_extremities(locked_room text, expected text[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    found_count bigint;
    expected_found bigint;
BEGIN
    PERFORM FROM rooms WHERE room_id = locked_room FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'room % does not exist', locked_room USING ERRCODE = 'MX001';
    END IF;
    SELECT count(*), count(*) FILTER (WHERE event_id = ANY(expected)) INTO found_count, expected_found
        FROM room_forward_extremities WHERE room_id = locked_room;
    IF found_count <> cardinality(expected) OR expected_found <> found_count THEN
        RAISE EXCEPTION 'the forward extremities of room % are not the ones expected', locked_room USING ERRCODE = 'MX001';
    END IF;
END $$;
