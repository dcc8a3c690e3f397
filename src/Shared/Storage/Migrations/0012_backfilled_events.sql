-- 0012: events fetched from other servers' /backfill when a local user pages back past the start
-- of this server's history of a room (the events before its first join there).
--
-- They are stored as outliers (events.outlier): this server has no state at them, so they never
-- become forward extremities, current state or /sync timeline events. A row here makes such an
-- outlier part of the room's history that /messages and /context walk (by depth, like any
-- event), with the history visibility judged for it when it was fetched, since the state-based
-- check has no state to read. Auth chain and state events a join brought are outliers too; they
-- are listed here once a backfill reaches them, and then show in the history where they belong.
CREATE TABLE backfilled_events (
    event_id           text PRIMARY KEY,
    -- The room's m.room.history_visibility in effect before the event, as far as this server
    -- could tell walking back from its own history: 'world_readable', 'shared', 'invited' or
    -- 'joined'; 'joined' (the strictest) where it could not tell.
    history_visibility text NOT NULL
);
