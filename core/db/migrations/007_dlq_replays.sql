-- Dead letters sent back to their topic by `lakehouse dlq replay`, one row per letter ever
-- replayed, so the same letter is never sent twice (its copies on dlq.events and in
-- stream_dead_letters share a key). A row in state 'sending' is a replay whose send was not
-- confirmed (the command died in between): it is refused too, until an operator checks the
-- topic and passes --force.
CREATE TABLE IF NOT EXISTS dlq_replays (
  -- sha256 of the original topic and payload bytes: the letter's identity across its copies.
  letter_key     text PRIMARY KEY,
  letter_id      text NOT NULL,
  original_topic text NOT NULL,
  state          text NOT NULL CHECK (state IN ('sending', 'sent')),
  -- The bytes sent: the original payload, or the operator's corrected one (--edit).
  sent_payload   text NOT NULL,
  edited         boolean NOT NULL,
  started_at     timestamptz NOT NULL DEFAULT now(),
  sent_at        timestamptz
);
