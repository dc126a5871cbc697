import { z } from 'zod';

/** The channels an alert can be sent to; `log` is the fallback, never routed to by name. */
export const ALERT_CHANNELS = ['webhook', 'email'] as const;
export type AlertChannelName = (typeof ALERT_CHANNELS)[number];

/**
 * `ALERT_ROUTE_WARNING`, `ALERT_ROUTE_CRITICAL`: the channels alerts of that severity go to,
 * comma-separated (`webhook,email`), or `none`. A channel that is routed to but not configured is
 * skipped; an alert that reaches no channel at all is logged as a WARNING line instead.
 *
 * @example alertRouteSchema.parse('webhook, email') // ['webhook', 'email']
 */
export const alertRouteSchema = z.string().transform((value, ctx): AlertChannelName[] => {
  const names = value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (names.length === 1 && names[0] === 'none') return [];
  const channels: AlertChannelName[] = [];
  for (const name of names) {
    if (!(ALERT_CHANNELS as readonly string[]).includes(name)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${name}" is not a channel: must be a comma-separated list of ${ALERT_CHANNELS.join(', ')}, or none`,
      });
      return z.NEVER;
    }
    if (!channels.includes(name as AlertChannelName)) channels.push(name as AlertChannelName);
  }
  return channels;
});

/**
 * `ALERT_EMAIL_TO`: comma-separated recipient addresses.
 *
 * @example emailListSchema.parse('ops@example.com, oncall@example.com')
 */
export const emailListSchema = z.string().transform((value, ctx): string[] => {
  const addresses = value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  for (const address of addresses) {
    if (!z.email().safeParse(address).success) {
      ctx.addIssue({
        code: 'custom',
        message: `"${address}" is not an e-mail address (comma-separated addresses like ops@example.com)`,
      });
      return z.NEVER;
    }
  }
  if (addresses.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'must name at least one address' });
    return z.NEVER;
  }
  return addresses;
});
