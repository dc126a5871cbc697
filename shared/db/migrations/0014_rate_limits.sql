-- Rate limits (issue 18). A key may carry its own limit per minute, overriding its role's
-- (`npm run keys -- create --rate N`); null keeps the role's limit from the environment.
alter table api_keys
  add column rate_limit_per_minute integer check (rate_limit_per_minute between 1 and 10000000);

-- One row per caller (`key:<id>` or `ip:<address>`) and fixed one-minute window: how many requests
-- the api instances have reserved between them. An instance reserves a small batch at a time
-- (shared/rate-limits/), so most requests touch no database, and `reserved` never passes the
-- limit: what the instances hand out in a window is at most the limit, however many there are.
-- Unlogged: counters of the current minute are not worth a WAL record each, nor a replica's copy;
-- after a crash the table is empty and every caller starts a fresh minute, which is harmless.
create unlogged table rate_limit_windows (
  subject      text not null check (length(subject) between 1 and 200),
  window_start timestamptz not null,
  reserved     integer not null check (reserved >= 0),
  -- What the last reservation granted, so the upsert can return it (RETURNING sees new values only).
  last_grant   integer not null check (last_grant >= 0),
  primary key (subject, window_start)
);

-- Past windows are deleted by the instances, one statement a minute each.
create index rate_limit_windows_window_idx on rate_limit_windows (window_start);
