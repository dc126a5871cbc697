-- A cooldown claim counts once its holder was delivered (issue 15 follow-up). Before, a `detected`
-- alert's claim on its (symbol, kind) held for the whole cooldown from the moment it was taken,
-- so an alert whose channels kept failing (then dead-lettered) silenced every later alert of its
-- burst although nobody had been told anything. Now a claim is in one of three states:
--   delivered  last_sent_at set: the holder reached a channel then; the cooldown runs from it.
--   sending    last_sent_at null, lease_until in the future: the holder's sends are under way;
--              others wait for the outcome rather than be suppressed by an alert that may fail.
--   free       last_sent_at null, lease_until null or past: the holder failed on every channel
--              (and gave the claim back) or died mid-send (its lease ran out); the next alert of
--              the (symbol, kind), the holder's own redelivery included, may claim it.
alter table alert_cooldowns
  alter column last_sent_at drop not null,
  add column lease_until timestamptz;

comment on column alert_cooldowns.last_sent_at is
  'When the holder was first delivered on a channel; null while it has not been';
comment on column alert_cooldowns.lease_until is
  'While the holder has not been delivered: until when its claim stands (its sends are under way); null once given back';

-- Claims taken before this migration counted from the claim: they now count from their holder's
-- first delivery, and a holder that was never delivered holds nothing.
update alert_cooldowns c
set last_sent_at = (
  select min(d.sent_at) from alert_deliveries d
  where d.anomaly_id = c.anomaly_id and d.event = 'detected'
);

-- A decision of `deliver` is no longer final while no channel has taken the alert: if another alert
-- of its (symbol, kind) is delivered first, its redelivery turns it into `suppressed`.
comment on table alert_decisions is
  'One decision per anomaly event; deliver becomes suppressed only while no channel took the alert';
