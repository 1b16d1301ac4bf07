-- The point in time a stream group was last rebuilt from (`lakehouse stream rebuild`). The
-- group's workers replay the topics from their oldest record to rebuild operator state, and
-- write only rows at or after this time: the rows before it were left in place.
CREATE TABLE IF NOT EXISTS stream_rebuilds (
  group_id     text PRIMARY KEY,
  from_time    timestamptz NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now()
);
