-- 0001: the tables every process needs before it can take part in the cluster.

-- One row per process name ever seen. instance_id is the small writer ID that
-- vector-clock tokens and stream_positions carry; it never changes for a name,
-- so a restarted persister resumes as the same writer.
CREATE TABLE instances (
    instance_id   integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instance_name text NOT NULL UNIQUE,
    registered_at timestamptz NOT NULL DEFAULT now()
);

-- How far each writer has persisted each stream: everything at or below
-- stream_id from that writer is durable, so readers may expose it.
CREATE TABLE stream_positions (
    stream_name text    NOT NULL,
    instance_id integer NOT NULL REFERENCES instances,
    stream_id   bigint  NOT NULL,
    PRIMARY KEY (stream_name, instance_id)
);

-- One sequence per stream, named <stream>_stream_seq: writers on any instance
-- draw positions from it, so positions are unique across writers.
CREATE SEQUENCE events_stream_seq;
