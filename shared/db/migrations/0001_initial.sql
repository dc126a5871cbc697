-- Symbols traded on the platform. Names are part of the operators' contract (design.md).
create table symbols (
  symbol     text primary key check (symbol ~ '^[A-Z0-9._-]{1,16}$'),
  name       text not null check (length(name) between 1 and 200),
  active     boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Every trade, stored exactly once (trade_id is deterministic upstream).
-- Prices and volumes are exact decimals with 8 places: crypto pairs trade at 0.00141342.
-- seq is the arrival order: among trades with the same ts it keeps the order they had in
-- their message, which decides a candle's open and close.
create table trades (
  trade_id    text primary key check (length(trade_id) between 1 and 128),
  seq         bigint generated always as identity unique,
  symbol      text not null references symbols (symbol),
  price       numeric(28, 8) not null check (price > 0),
  volume      numeric(28, 8) not null check (volume > 0),
  ts          timestamptz not null,
  source      text not null,
  message_id  text,
  ingested_at timestamptz not null default now()
);

-- Range scans and per-bucket aggregation by symbol and time, answered from the index alone.
create index trades_symbol_ts_idx on trades (symbol, ts, seq) include (price, volume);

-- One row per symbol: the newest trade (by ts, then seq) ever stored for it.
create table latest_prices (
  symbol     text primary key references symbols (symbol),
  trade_id   text not null,
  seq        bigint not null,
  price      numeric(28, 8) not null,
  volume     numeric(28, 8) not null,
  ts         timestamptz not null,
  updated_at timestamptz not null default now()
);

-- Messages that can never be valid: kept whole, with the reason, for operators to inspect.
create table rejected_messages (
  id           bigint generated always as identity primary key,
  message_id   text not null unique,
  reason       text not null,
  details      jsonb,
  attributes   jsonb,
  payload      bytea,
  published_at timestamptz,
  received_at  timestamptz not null default now()
);

create index rejected_messages_received_at_idx on rejected_messages (received_at desc);
