import type { SeriesMarker, UTCTimestamp } from 'lightweight-charts';
import type { components, StreamAlert } from '../../client/src/index.js';
import { bucketStart, INTERVALS, type IntervalName } from '../../shared/market/candle-intervals.js';

/** An anomaly as the page keeps it, whether /anomalies listed it or the stream's `alert` brought it. */
export interface ShownAnomaly {
  id: string;
  kind: string;
  severity: string;
  detectedAt: string;
  /** The candle bucket of a per-candle rule, else null. */
  bucket: string | null;
  observed: string;
  threshold: string;
  unit: string;
}

export const fromListed = (a: components['schemas']['Anomaly']): ShownAnomaly => ({
  id: a.id,
  kind: a.kind,
  severity: a.severity,
  detectedAt: a.detected_at,
  bucket: a.bucket,
  observed: a.observed,
  threshold: a.threshold,
  unit: a.unit,
});

export const fromAlert = (a: StreamAlert): ShownAnomaly => ({
  id: a.anomalyId,
  kind: a.kind,
  severity: a.severity,
  detectedAt: a.at,
  bucket: a.bucket,
  observed: a.observed,
  threshold: a.threshold,
  unit: a.unit,
});

/**
 * The chart time (seconds) of the view's bucket an anomaly belongs in: the one holding its own
 * candle's start for a per-candle rule, else the one holding the instant it was detected.
 */
export function anomalyTime(anomaly: ShownAnomaly, interval: IntervalName): UTCTimestamp {
  const at = Date.parse(anomaly.bucket ?? anomaly.detectedAt);
  return (bucketStart(at, INTERVALS[interval]) / 1000) as UTCTimestamp;
}

/** One line for the legend: kind, observed against the threshold. */
export const describeAnomaly = (a: ShownAnomaly) =>
  `${a.kind} ${a.observed} ${a.unit} (threshold ${a.threshold})`;

/** Critical anomalies stand out (a red arrow); warnings are a quieter amber dot. */
function markerStyle(severity: string): Pick<SeriesMarker<UTCTimestamp>, 'shape' | 'color'> {
  return severity === 'critical'
    ? { shape: 'arrowDown', color: '#d32f2f' }
    : { shape: 'circle', color: '#f59e0b' };
}

/** The markers of anomalies for one interval, in time order as the markers API wants them. */
export function anomalyMarkers(
  anomalies: Iterable<ShownAnomaly>,
  interval: IntervalName,
): SeriesMarker<UTCTimestamp>[] {
  return [...anomalies]
    .map((anomaly): SeriesMarker<UTCTimestamp> => ({
      id: anomaly.id,
      time: anomalyTime(anomaly, interval),
      position: 'aboveBar',
      ...markerStyle(anomaly.severity),
      text: anomaly.kind,
    }))
    .sort((a, b) => a.time - b.time || Number(a.id) - Number(b.id));
}
