-- Where each symbol's trades come from (issue 16). `synthetic` is the seeded random walk every
-- symbol had before; a real provider (`binance`, …) also needs the provider's own name for the
-- instrument, which need not look like ours (BTCUSDT for BTC-USD); the walk has none.
alter table symbols
  add column source text not null default 'synthetic' check (source ~ '^[a-z][a-z0-9_]{0,31}$'),
  add column source_symbol text check (source_symbol ~ '^[\x21-\x7e]{1,64}$'),
  add constraint symbols_real_source_names_its_instrument
    check ((source = 'synthetic') = (source_symbol is null));

-- A symbol ingest stopped fetching because its provider refused it in a way that will not heal
-- (an unknown instrument, a region the provider blocks): the reason, for operators and GET
-- /symbols. Changing the symbol's source, source_symbol or setting it active again clears it.
alter table symbols
  add column source_stopped_reason text check (length(source_stopped_reason) between 1 and 500),
  add column source_stopped_at timestamptz;

-- A provider that told us to wait (HTTP 429 or 418 with Retry-After): every ingest instance honours
-- it until `until`, since the provider counts requests by IP and bans an IP that keeps asking.
create table source_pauses (
  source     text primary key,
  until      timestamptz not null,
  reason     text not null,
  updated_at timestamptz not null default now()
);
