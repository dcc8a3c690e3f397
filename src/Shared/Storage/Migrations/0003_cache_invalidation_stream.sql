-- 0003: the cache invalidation stream.
--
-- Like every stream, its positions come from one sequence (<stream>_stream_seq) that all of
-- its writers draw from, and each writer's persisted position lives in stream_positions
-- under the stream name 'caches'. Readers need no order across writers: each drops the
-- named keys from its own caches as the rows arrive.

-- Default CACHE 1 matters: a writer that finds nothing in flight advances to the sequence's
-- last_value, which with a per-session cache could lie below values still to be handed out.
CREATE SEQUENCE caches_stream_seq;

CREATE TABLE cache_invalidation_stream (
    stream_id      bigint      NOT NULL PRIMARY KEY,
    -- The writer (instances.instance_id) that wrote the row.
    instance_id    integer     NOT NULL REFERENCES instances,
    -- The cache, by the name processes register it under.
    cache_name     text        NOT NULL,
    -- The keys to drop; NULL drops the whole cache.
    keys           text[],
    invalidated_at timestamptz NOT NULL DEFAULT now()
);

-- Catch-up reads one writer's rows in a position range:
--     WHERE instance_id = $w AND stream_id > $from AND stream_id <= $to ORDER BY stream_id
CREATE INDEX cache_invalidation_stream_writer ON cache_invalidation_stream (instance_id, stream_id);

-- Pruning old invalidations (a reader that far behind empties its caches instead).
CREATE INDEX cache_invalidation_stream_time ON cache_invalidation_stream (invalidated_at);
