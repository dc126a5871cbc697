-- Closed candle buckets, computed once by the api and served from here afterwards.
-- A row with trade_count 0 (and null prices) records a bucket known to be empty, so a range
-- with quiet minutes is still answered from this table alone. Rows exist only for buckets that
-- ended at least a grace period before they were stored; persist deletes a row in the same
-- transaction that inserts a late trade into its bucket (shared/db/candle-cache.ts).
create table candles (
  symbol           text not null references symbols (symbol),
  interval_seconds integer not null check (interval_seconds > 0),
  bucket           timestamptz not null,
  open             numeric,
  high             numeric,
  low              numeric,
  close            numeric,
  volume           numeric,
  vwap             numeric,
  trade_count      integer not null check (trade_count >= 0),
  computed_at      timestamptz not null default now(),
  primary key (symbol, interval_seconds, bucket),
  check ((trade_count = 0) = (open is null))
);
