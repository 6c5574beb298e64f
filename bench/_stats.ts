/** Small helpers shared by the benchmarks: medians, formatting, peak RSS sampling. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

/** Samples the process's RSS every `intervalMs` and remembers the highest value. */
export class PeakRss {
  #peak = process.memoryUsage.rss()
  readonly #timer: NodeJS.Timeout
  constructor(intervalMs = 20) {
    this.#timer = setInterval(() => {
      this.#peak = Math.max(this.#peak, process.memoryUsage.rss())
    }, intervalMs)
    this.#timer.unref()
  }
  get peakBytes(): number {
    return Math.max(this.#peak, process.memoryUsage.rss())
  }
  stop(): number {
    clearInterval(this.#timer)
    return this.peakBytes
  }
}

export const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`
export const perSec = (count: number, ms: number): number => (count * 1000) / ms
export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

/** Prints an aligned table of rows (first row is the header). */
export function printTable(rows: ReadonlyArray<readonly string[]>): void {
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)))
  for (const [i, row] of rows.entries()) {
    process.stdout.write(`| ${row.map((c, j) => c.padEnd(widths[j] ?? 0)).join(' | ')} |\n`)
    if (i === 0) process.stdout.write(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n`)
  }
}
