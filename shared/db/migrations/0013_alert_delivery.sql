-- Alert delivery state (issue 15, functions/deliver-alerts). Pub/Sub delivers each alert message
-- at least once and any number of delivery instances run at the same time, so what was decided and
-- what was sent lives here, not in an instance's memory. Anomalies are keyed by the id detection
-- gives them (anomalies.id); no foreign key, so delivery never depends on the order in which the
-- two halves' migrations and messages arrive.

-- The last alert sent per (symbol, kind): a `detected` alert claims the row only when the last one
-- is older than the cooldown (one INSERT ... ON CONFLICT ... WHERE, atomic across instances);
-- otherwise it is suppressed, and counted here.
create table alert_cooldowns (
  symbol           text not null,
  kind             text not null,
  -- The anomaly whose alert holds the cooldown, and when it claimed it.
  anomaly_id       bigint not null,
  last_sent_at     timestamptz not null,
  -- Alerts suppressed since that claim, and ever.
  suppressed_since integer not null default 0,
  suppressed_total bigint not null default 0,
  primary key (symbol, kind)
);

-- One decision per anomaly event, made once: a redelivered message finds it and neither claims the
-- cooldown again (it would find its own claim and suppress itself) nor changes its mind.
create table alert_decisions (
  anomaly_id  bigint not null,
  event       text not null check (event in ('detected', 'recovered')),
  symbol      text not null,
  kind        text not null,
  severity    text not null check (severity in ('warning', 'critical')),
  outcome     text not null check (outcome in ('deliver', 'suppressed')),
  -- Why it was suppressed: `cooldown` (another alert of the symbol and kind was sent recently) or
  -- `detected_suppressed` (a recovery whose detection nobody was told about).
  reason      text check ((outcome = 'suppressed') = (reason is not null)),
  -- For a cooldown: the anomaly whose alert held it.
  held_by     bigint,
  decided_at  timestamptz not null default now(),
  primary key (anomaly_id, event)
);

-- One row per (anomaly event, channel): sent once. A delivery claims the row for a lease (so two
-- instances handling the same message never both send), marks it sent on success, and on failure
-- releases it with the error, for the next redelivery to try again.
create table alert_deliveries (
  anomaly_id   bigint not null,
  event        text not null check (event in ('detected', 'recovered')),
  channel      text not null check (channel in ('webhook', 'email', 'log')),
  attempts     integer not null default 1,
  lease_until  timestamptz not null,
  sent_at      timestamptz,
  last_error   text,
  updated_at   timestamptz not null default now(),
  primary key (anomaly_id, event, channel)
);
