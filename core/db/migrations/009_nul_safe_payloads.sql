-- A hostile event may carry a NUL character (\u0000) in any string, and jsonb cannot hold one:
-- a dead letter or late event with it made its whole commit fail on every retry (found by the
-- hostile corpus, ingest/testing/hostile.ts). They are only ever read back whole, so they are
-- kept as the JSON text they are.
ALTER TABLE stream_dead_letters ALTER COLUMN record TYPE text USING record::text;
ALTER TABLE late_events ALTER COLUMN payload TYPE text USING payload::text;
