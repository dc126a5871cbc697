/** How the page keeps up with the stream: counted as it runs, read by the browser tests. */
export interface LiveStats {
  /** Trade and candle events received for the view on screen. */
  tradeEvents: number;
  candleEvents: number;
  /** Candle updates drawn (several events of one bucket in a frame draw once). */
  candlesDrawn: number;
  /** Animation frames that drew stream updates. */
  framesDrawn: number;
  /** Milliseconds from each trade's own time to the frame that showed it (the newest 10,000). */
  tradeLagMs: number[];
}

const LAG_SAMPLES = 10_000;

export function createLiveStats(): LiveStats & {
  /** The trades received since the last frame are on screen now. */
  tradesShown(timestamps: readonly string[]): void;
} {
  const stats: LiveStats = {
    tradeEvents: 0,
    candleEvents: 0,
    candlesDrawn: 0,
    framesDrawn: 0,
    tradeLagMs: [],
  };
  return Object.assign(stats, {
    tradesShown(timestamps: readonly string[]) {
      const now = Date.now();
      for (const timestamp of timestamps) stats.tradeLagMs.push(now - Date.parse(timestamp));
      if (stats.tradeLagMs.length > LAG_SAMPLES)
        stats.tradeLagMs.splice(0, stats.tradeLagMs.length - LAG_SAMPLES);
    },
  });
}
