/** A periodic progress line on stderr: rate, lag and totals. Quiet when stderr is not wanted. */
export function createProgressLine(label: string, stream: NodeJS.WriteStream = process.stderr, intervalMs = 1000) {
  const started = Date.now()
  let last = 0
  let lastLine = ''
  const tty = stream.isTTY === true
  const write = (line: string, final: boolean): void => {
    if (tty) stream.write(`\r${line.padEnd(lastLine.length)}${final ? '\n' : ''}`)
    else stream.write(`${line}\n`)
    lastLine = line
  }
  return {
    update(done: number, unit: string, extra = '', force = false): void {
      const t = Date.now()
      if (!force && t - last < intervalMs) return
      last = t
      const secs = (t - started) / 1000
      write(`${label}: ${done.toLocaleString('en-US')} ${unit} in ${secs.toFixed(1)} s (${Math.round(done / Math.max(secs, 0.001)).toLocaleString('en-US')}/s)${extra ? ` ${extra}` : ''}`, false)
    },
    done(summary: string): void {
      write(`${label}: ${summary}`, true)
      if (tty) lastLine = ''
    },
  }
}
