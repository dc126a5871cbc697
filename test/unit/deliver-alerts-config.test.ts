/** deliver-alerts' configuration, routing and dashboard link: pure, no database. */
import { describe, expect, it } from 'vitest';
import type { AlertChannel } from '../../functions/deliver-alerts/channels/alert-channel.js';
import { createAlertRouter } from '../../functions/deliver-alerts/route-alert.js';
import { readViewState } from '../../dashboard/src/view-state.js';
import { dashboardLink } from '../../shared/alerts/dashboard-link.js';
import { ConfigError } from '../../shared/config/config-error.js';
import { loadDeliverAlertsConfig } from '../../shared/config/function-config.js';

const email = {
  ALERT_SMTP_HOST: 'smtp.example.com',
  ALERT_EMAIL_FROM: 'alerts@example.com',
  ALERT_EMAIL_TO: 'ops@example.com,oncall@example.com',
};

describe('deliver-alerts configuration', () => {
  it('needs nothing: no channel (alerts are logged), warning → webhook, critical → both, 5 min cooldown', () => {
    const config = loadDeliverAlertsConfig({});
    expect(config.ALERT_WEBHOOK_URL).toBeUndefined();
    expect(config.ALERT_SMTP_HOST).toBeUndefined();
    expect(config.ALERT_ROUTE_WARNING).toEqual(['webhook']);
    expect(config.ALERT_ROUTE_CRITICAL).toEqual(['webhook', 'email']);
    expect(config.ALERT_COOLDOWN_SECONDS).toBe(300);
    expect(config.ALERT_SMTP_PORT).toBe(587);
    expect(config.ALERT_SMTP_TLS).toBe('starttls');
    expect(config.ALERT_SMTP_TLS_REJECT_UNAUTHORIZED).toBe(true);
  });

  it('reads a whole e-mail setup and the recipients as a list', () => {
    const config = loadDeliverAlertsConfig({
      ...email,
      ALERT_SMTP_USER: 'bot',
      ALERT_SMTP_PASSWORD: 's3cret',
      ALERT_ROUTE_WARNING: 'email, webhook',
      ALERT_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/X',
    });
    expect(config.ALERT_EMAIL_TO).toEqual(['ops@example.com', 'oncall@example.com']);
    expect(config.ALERT_ROUTE_WARNING).toEqual(['email', 'webhook']);
  });

  it.each([
    [{ ALERT_ROUTE_WARNING: 'slack' }, 'ALERT_ROUTE_WARNING', /"slack" is not a channel/],
    [{ ALERT_ROUTE_CRITICAL: 'webhook,pager' }, 'ALERT_ROUTE_CRITICAL', /"pager" is not a channel/],
    [{ ALERT_WEBHOOK_URL: 'ftp://hooks.example' }, 'ALERT_WEBHOOK_URL', /http\(s\) URL/],
    [{ ALERT_DASHBOARD_URL: 'dashboard' }, 'ALERT_DASHBOARD_URL', /http\(s\) URL/],
    [{ ALERT_SMTP_PORT: '99999' }, 'ALERT_SMTP_PORT', /1 to 65535/],
    [{ ALERT_SMTP_TLS: 'ssl' }, 'ALERT_SMTP_TLS', /starttls, implicit or none/],
    [
      { ALERT_SMTP_TLS_REJECT_UNAUTHORIZED: 'no' },
      'ALERT_SMTP_TLS_REJECT_UNAUTHORIZED',
      /true or false/,
    ],
    [{ ALERT_COOLDOWN_SECONDS: '-1' }, 'ALERT_COOLDOWN_SECONDS', /whole number/],
    [
      { ...email, ALERT_EMAIL_TO: 'ops@example.com, nobody' },
      'ALERT_EMAIL_TO',
      /"nobody" is not an e-mail/,
    ],
    [
      { ...email, ALERT_EMAIL_FROM: undefined },
      'ALERT_EMAIL_FROM',
      /required when ALERT_SMTP_HOST/,
    ],
    [{ ...email, ALERT_EMAIL_TO: undefined }, 'ALERT_EMAIL_TO', /required when ALERT_SMTP_HOST/],
    [{ ...email, ALERT_SMTP_USER: 'bot' }, 'ALERT_SMTP_PASSWORD', /required when ALERT_SMTP_USER/],
  ])('stops on %j naming %s', (env, variable, problem) => {
    let error: unknown;
    try {
      loadDeliverAlertsConfig(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toMatch(problem);
  });

  it('takes a route naming a channel that is not configured, as the defaults do (it is skipped)', () => {
    expect(
      loadDeliverAlertsConfig({ ALERT_ROUTE_CRITICAL: 'webhook,email' }).ALERT_ROUTE_CRITICAL,
    ).toEqual(['webhook', 'email']);
  });

  it('lets a route of none send that severity only to the log', () => {
    expect(loadDeliverAlertsConfig({ ALERT_ROUTE_WARNING: 'none' }).ALERT_ROUTE_WARNING).toEqual(
      [],
    );
  });
});

describe('routing by severity', () => {
  const channel = (name: AlertChannel['name']): AlertChannel => ({
    name,
    send: () => Promise.resolve(),
  });
  const webhook = channel('webhook');
  const mail = channel('email');
  const log = channel('log');
  const names = (channels: AlertChannel[]) => channels.map((c) => c.name);

  it('sends to the routed channels that are configured, else to the log', () => {
    const routes = { warning: ['webhook'], critical: ['webhook', 'email'] } as const;
    const both = createAlertRouter({ routes, channels: { webhook, email: mail }, fallback: log });
    expect(names(both('warning'))).toEqual(['webhook']);
    expect(names(both('critical'))).toEqual(['webhook', 'email']);
    const mailOnly = createAlertRouter({ routes, channels: { email: mail }, fallback: log });
    expect(names(mailOnly('warning'))).toEqual(['log']);
    expect(names(mailOnly('critical'))).toEqual(['email']);
    const none = createAlertRouter({ routes, channels: {}, fallback: log });
    expect(names(none('critical'))).toEqual(['log']);
  });
});

describe('the dashboard link', () => {
  const base = 'https://api.example.com/dashboard';

  it.each([
    [{ symbol: 'AAPL', kind: 'price_spike', interval: null }, '#symbol=AAPL&interval=1m', '1m', []],
    [
      { symbol: 'BTC-USD', kind: 'volume_spike', interval: '15m' },
      '#symbol=BTC-USD&interval=15m',
      '15m',
      [],
    ],
    // An interval the page has no button for falls back to 1m rather than a view it cannot show.
    [
      { symbol: 'MSFT', kind: 'volume_spike', interval: '37m' },
      '#symbol=MSFT&interval=1m',
      '1m',
      [],
    ],
    [
      { symbol: 'TSLA', kind: 'rsi_extreme', interval: '1h' },
      '#symbol=TSLA&interval=1h&indicators=rsi',
      '1h',
      [{ type: 'rsi', params: { window: 14 } }],
    ],
  ] as const)(
    '%j → %s, which the dashboard reads back',
    (alert, fragment, interval, indicators) => {
      const link = dashboardLink(base, alert);
      expect(link).toBe(`${base}${fragment}`);
      expect(readViewState(new URL(link).hash)).toEqual({
        symbol: alert.symbol,
        interval,
        indicators,
      });
    },
  );

  it('replaces a fragment the configured URL already has', () => {
    expect(
      dashboardLink(`${base}#symbol=X`, { symbol: 'AAPL', kind: 'stale_feed', interval: null }),
    ).toBe(`${base}#symbol=AAPL&interval=1m`);
  });
});
