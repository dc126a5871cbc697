/**
 * Progress on stderr: a bar redrawn in place on a terminal, a line every tenth otherwise (logs,
 * CI), so a long replay shows it is moving either way.
 */
export function progressBar(stream: NodeJS.WriteStream = process.stderr) {
  let lastTenth = -1;
  return {
    update(done: number, total: number) {
      const fraction = total === 0 ? 1 : done / total;
      const text = `${Math.floor(fraction * 100)}% ${done.toLocaleString('en')}/${total.toLocaleString('en')} trades`;
      if (stream.isTTY) {
        const width = 30;
        const filled = Math.round(fraction * width);
        stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`);
        if (done >= total) stream.write('\n');
      } else if (Math.floor(fraction * 10) > lastTenth) {
        lastTenth = Math.floor(fraction * 10);
        stream.write(`replay: ${text}\n`);
      }
    },
  };
}
