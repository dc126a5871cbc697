-- Each stored candle also as the API prints it: the JSON text of one element of /candles' `candles`,
-- rendered by the api when it stores the row (null for an empty bucket). A stored day of 1m candles
-- is then 1,440 short strings to send instead of 1,440 rows to format, parse and serialize again
-- (docs/benchmarks.md). Rows stored before this column existed, or by an api instance still on the
-- previous release during a deploy, have none: the api renders those when it reads them.
alter table candles add column json text;
