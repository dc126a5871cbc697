-- How many trades each symbol has, kept by the statement that inserts them (shared/trades/
-- write-trades.ts), so /health can say how many trades are stored without counting a table that
-- grows to billions of rows. `updated_at` is when the symbol's last batch was stored: the time of
-- the last ingestion. A table of its own rather than columns of latest_prices, whose row a batch
-- updates only when it moves the price forward.
create table trade_counts (
  symbol      text primary key,
  trade_count bigint not null check (trade_count >= 0),
  updated_at  timestamptz not null default now()
);

insert into trade_counts (symbol, trade_count, updated_at)
select symbol, count(*), max(ingested_at) from trades group by symbol;
