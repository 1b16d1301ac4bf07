-- Refunds per event-time hour and reason (stream/operators/refund-reasons/).
CREATE TABLE IF NOT EXISTS refund_reasons_hourly (
  hour_start timestamptz NOT NULL,
  reason     text NOT NULL,
  refunds    bigint NOT NULL,
  amount     numeric(18, 2) NOT NULL,
  PRIMARY KEY (hour_start, reason)
);

GRANT SELECT ON refund_reasons_hourly TO lakehouse_reader;
