import { describe, expect, it } from 'vitest';
import {
  anomalyMarkers,
  describeAnomaly,
  type ShownAnomaly,
} from '../../dashboard/src/anomaly-markers.js';

const anomaly = (fields: Partial<ShownAnomaly>): ShownAnomaly => ({
  id: '1',
  kind: 'price_spike',
  severity: 'warning',
  detectedAt: '2026-11-02T10:07:31.250Z',
  bucket: null,
  observed: '7.95',
  threshold: '5',
  unit: 'percent',
  ...fields,
});
const seconds = (iso: string) => Date.parse(iso) / 1000;

describe("the dashboard's anomaly markers", () => {
  it('puts a per-trade anomaly in the view bucket holding detected_at', () => {
    const [oneMinute] = anomalyMarkers([anomaly({})], '1m');
    expect(oneMinute?.time).toBe(seconds('2026-11-02T10:07:00Z'));
    const [fiveMinutes] = anomalyMarkers([anomaly({})], '5m');
    expect(fiveMinutes?.time).toBe(seconds('2026-11-02T10:05:00Z'));
    // 2026-11-02 is a Monday: the week's bucket starts that day at 00:00Z.
    const [week] = anomalyMarkers([anomaly({})], '1w');
    expect(week?.time).toBe(seconds('2026-11-02T00:00:00Z'));
  });

  it('puts a per-candle anomaly at its own candle, not where it was detected', () => {
    const rsi = anomaly({
      kind: 'rsi_extreme',
      bucket: '2026-11-02T09:55:00.000Z',
      detectedAt: '2026-11-02T10:00:02.000Z',
    });
    expect(anomalyMarkers([rsi], '1m')[0]?.time).toBe(seconds('2026-11-02T09:55:00Z'));
    expect(anomalyMarkers([rsi], '1h')[0]?.time).toBe(seconds('2026-11-02T09:00:00Z'));
  });

  it('styles by severity, names the kind, and orders by time as the chart wants', () => {
    const markers = anomalyMarkers(
      [
        anomaly({ id: '9', severity: 'critical', detectedAt: '2026-11-02T10:09:00Z' }),
        anomaly({ id: '3', kind: 'volume_spike' }),
      ],
      '1m',
    );
    expect(markers.map((m) => [m.id, m.text, m.shape])).toEqual([
      ['3', 'volume_spike', 'circle'],
      ['9', 'price_spike', 'arrowDown'],
    ]);
    expect(markers[0]?.color).not.toBe(markers[1]?.color);
  });

  it('describes kind, observed and threshold for the legend', () => {
    expect(describeAnomaly(anomaly({}))).toBe('price_spike 7.95 percent (threshold 5)');
  });
});
