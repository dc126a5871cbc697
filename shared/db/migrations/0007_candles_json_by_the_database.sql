-- The served JSON of a candle is rendered by the database: candle_json() is the one definition of
-- that text, used by the /candles route for candles it computes, and by a trigger that keeps each
-- stored candle's `json` as the api prints it, so a stored day goes out without being formatted
-- again. The code that stores candles writes typed columns only.
--
-- STABLE, not IMMUTABLE: to_char and numeric output are stable, and a SQL function no more volatile
-- than its body is inlined into the queries that call it (no call per row).
create function candle_json(
  bucket_start timestamptz,
  open_price numeric,
  high_price numeric,
  low_price numeric,
  close_price numeric,
  volume_sum numeric,
  vwap_price numeric,
  trades integer
) returns text
language sql stable parallel safe
as $$
  select '{"timestamp":"' || to_char(bucket_start at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
      || '","open":"' || trim_scale(open_price) || '","high":"' || trim_scale(high_price)
      || '","low":"' || trim_scale(low_price) || '","close":"' || trim_scale(close_price)
      || '","volume":"' || trim_scale(volume_sum) || '","vwap":"' || trim_scale(vwap_price)
      || '","trade_count":' || trades || '}'
$$;

-- Whatever writes a row (an api instance of this release or of the previous one during a deploy,
-- an operator's update), its json is rendered from its columns; an empty bucket's is null.
create function candles_render_json() returns trigger
language plpgsql
as $$
begin
  new.json := candle_json(new.bucket, new.open, new.high, new.low, new.close, new.volume, new.vwap,
                          new.trade_count);
  return new;
end
$$;

create trigger candles_render_json
  before insert or update on candles
  for each row execute function candles_render_json();

-- Rows stored without their JSON by an earlier release get it now.
update candles set json = null where json is null and trade_count > 0;
