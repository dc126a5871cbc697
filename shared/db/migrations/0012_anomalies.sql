-- Anomalies (issue 15): detected by persist in the transaction that stores the trades, and by the
-- monitor function's scheduled check (stale feeds), each recorded once whatever the redeliveries,
-- double fires and concurrent checkers: a second recording meets a unique index and is a no-op.

-- Per-symbol overrides of the rules' thresholds; null keeps the default (ALERT_* settings).
create table alert_rules (
  symbol               text primary key references symbols (symbol) on delete cascade,
  price_spike_percent  numeric(12, 4) check (price_spike_percent > 0),
  volume_spike_ratio   numeric(12, 4) check (volume_spike_ratio > 1),
  rsi_high             numeric(6, 2) check (rsi_high > 50 and rsi_high < 100),
  rsi_low              numeric(6, 2) check (rsi_low > 0 and rsi_low < 50),
  ingest_lag_seconds   numeric(12, 3) check (ingest_lag_seconds > 0),
  stale_after_intervals integer check (stale_after_intervals between 1 and 1000),
  updated_at           timestamptz not null default now()
);

create table anomalies (
  id          bigint generated always as identity primary key,
  symbol      text not null references symbols (symbol) on delete cascade,
  kind        text not null
    check (kind in ('price_spike', 'volume_spike', 'rsi_extreme', 'stale_feed', 'ingest_lag')),
  severity    text not null check (severity in ('warning', 'critical')),
  detected_at timestamptz not null default now(),
  -- What tripped the rule: a trade (per-trade rules), a candle (interval + bucket start), or for
  -- stale_feed the episode: opened_at is the newest trade's time when the feed went quiet.
  trade_id    text,
  interval    text,
  bucket      timestamptz,
  opened_at   timestamptz,
  closed_at   timestamptz,
  observed    numeric not null,
  threshold   numeric not null,
  unit        text not null,
  summary     text not null,
  check ((interval is null) = (bucket is null)),
  check (kind <> 'stale_feed' or opened_at is not null)
);

-- The keys that make a second recording a no-op (inserts say "on conflict do nothing").
create unique index anomalies_trade_key on anomalies (kind, trade_id) where trade_id is not null;
create unique index anomalies_candle_key on anomalies (kind, symbol, interval, bucket)
  where bucket is not null;
create unique index anomalies_stale_episode_key on anomalies (symbol, opened_at)
  where kind = 'stale_feed';
-- At most one open stale episode per symbol, whoever checks.
create unique index anomalies_one_open_stale on anomalies (symbol)
  where kind = 'stale_feed' and closed_at is null;
-- GET /anomalies: newest first, by symbol or not.
create index anomalies_symbol_id_idx on anomalies (symbol, id desc);

-- The outbox and the stream's source: one row per event of an anomaly (`detected`, and
-- `recovered` when a stale feed closes), written in the transaction that records it. Published to
-- the alerts topic after commit (published_at), again by the next batch or check if that failed.
-- xid numbers events by the transaction that wrote them, as trades are (0009), so the stream
-- follows (xid, id) without skipping an event that commits late.
create table anomaly_events (
  id           bigint generated always as identity primary key,
  anomaly_id   bigint not null references anomalies (id) on delete cascade,
  event        text not null check (event in ('detected', 'recovered')),
  at           timestamptz not null,
  xid          bigint not null default (pg_current_xact_id()::text::bigint),
  published_at timestamptz,
  unique (anomaly_id, event)
);

create index anomaly_events_unpublished_idx on anomaly_events (id) where published_at is null;
create index anomaly_events_xid_id_idx on anomaly_events (xid, id);
