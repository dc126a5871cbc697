/** Updates gathered between animation frames and drawn once, in key order, at the next one. */
export interface FrameBatch<V> {
  /** Keeps `value` as the newest for `key` (an older one not drawn yet is dropped). */
  put(key: number, value: V): void;
  /** Drops what is not drawn yet, or only the keys `which` picks (a reload brings the same and newer). */
  clear(which?: (key: number) => boolean): void;
}

/**
 * However fast the stream runs (100 trades a second and more), the chart and the text are touched
 * at most once a frame, with the newest value of each key; a hidden tab, which gets no frames,
 * holds one value per key until it is shown again.
 */
export function frameBatch<V>(draw: (values: V[]) => void): FrameBatch<V> {
  const pending = new Map<number, V>();
  let frame: number | undefined;
  const flush = () => {
    frame = undefined;
    if (pending.size === 0) return;
    const values = [...pending.entries()].sort(([a], [b]) => a - b).map(([, value]) => value);
    pending.clear();
    draw(values);
  };
  return {
    put(key, value) {
      pending.set(key, value);
      frame ??= requestAnimationFrame(flush);
    },
    clear(which) {
      if (which === undefined) pending.clear();
      else for (const key of [...pending.keys()]) if (which(key)) pending.delete(key);
    },
  };
}
