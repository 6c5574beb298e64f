/**
 * How `sfsync sync` shows a run: on a terminal, a block of progress lines redrawn in place (per
 * object: rows, rows/s, ETA; then the overall line) with plain ANSI escapes; anywhere else, one JSON
 * object per line (progress at most once a second per object), so that logs and scripts can read it.
 */
import type { ObjectResult, SyncEvent, SyncRunResult } from '../sync/sync-events.ts'

interface Line {
  object: string
  state: string
  rows: number
  expected: number | undefined
  started: number
  strategy: string
  done?: ObjectResult
}

function fmt(n: number): string {
  return n.toLocaleString('en-US')
}

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}`
    : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

function bar(fraction: number, width = 20): string {
  const full = Math.max(0, Math.min(width, Math.round(fraction * width)))
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`
}

/** Progress on a TTY: redraws its block of lines at most every 100 ms. */
export class TtyProgress {
  readonly #write: (s: string) => void
  readonly #lines = new Map<string, Line>()
  readonly #now: () => number
  #drawn = 0
  #lastDraw = 0
  #notice = ''
  #objects: readonly string[] = []
  readonly #started: number

  constructor(write: (s: string) => void, now: () => number = Date.now) {
    this.#write = write
    this.#now = now
    this.#started = now()
  }

  handle(e: SyncEvent): void {
    const now = this.#now()
    switch (e.type) {
      case 'run-start':
        this.#objects = e.objects
        for (const o of e.objects)
          this.#lines.set(o, {
            object: o,
            state: 'waiting',
            rows: 0,
            expected: undefined,
            started: now,
            strategy: '',
          })
        break
      case 'object-start': {
        const l = this.#lines.get(e.object)
        if (l)
          Object.assign(l, {
            state: e.phase === 'load' ? 'loading' : 'changes',
            started: now,
            rows: 0,
            expected: e.expectedRows,
            strategy: e.strategy,
          })
        break
      }
      case 'rows': {
        const l = this.#lines.get(e.object)
        if (l) {
          l.rows = e.rows
          if (e.expectedRows !== undefined) l.expected = e.expectedRows
        }
        break
      }
      case 'object-done': {
        const l = this.#lines.get(e.result.object)
        if (l) Object.assign(l, { state: e.result.status, done: e.result })
        break
      }
      case 'notice':
        this.#notice = `${e.object ? `${e.object}: ` : ''}${e.message}`
        break
      case 'budget-pause':
        this.#notice = e.message
        break
      case 'budget-resume':
        this.#notice = 'API budget recovered; resuming.'
        break
      case 'run-done':
        this.#draw(now, true)
        return
    }
    if (now - this.#lastDraw >= 100 || e.type !== 'rows') this.#draw(now, false)
  }

  #line(l: Line, now: number): string {
    const name = l.object.padEnd(18).slice(0, 18)
    if (l.done) {
      const r = l.done
      const what =
        r.status === 'failed'
          ? `FAILED: ${r.error?.message ?? ''}`
          : `${fmt(r.rowsWritten)} rows, ${fmt(r.rowsDeleted)} deleted, ${r.apiCalls} calls, ${duration(r.durationMs)}${r.strategy ? ` (${r.phase} via ${r.strategy})` : ''}`
      return `${name} ${r.status === 'synced' ? 'done  ' : r.status.padEnd(6)} ${what}`
    }
    if (l.state === 'waiting') return `${name} waiting`
    const secs = Math.max(0.001, (now - l.started) / 1000)
    const rate = l.rows / secs
    const expected = l.expected
    const eta =
      expected !== undefined && rate > 0 && expected > l.rows
        ? ` ETA ${duration(((expected - l.rows) / rate) * 1000)}`
        : ''
    const progress = expected ? `${bar(l.rows / expected)} ${fmt(l.rows)}/${fmt(expected)}` : `${fmt(l.rows)}`
    return `${name} ${l.state.padEnd(7)} ${progress} rows  ${fmt(Math.round(rate))} rows/s${eta}  ${l.strategy}`
  }

  #draw(now: number, final: boolean): void {
    this.#lastDraw = now
    const lines = this.#objects.map((o) => this.#line(this.#lines.get(o) as Line, now))
    const all = [...this.#lines.values()]
    const finished = all.filter((l) => l.done).length
    const rows = all.reduce((n, l) => n + (l.done ? l.done.rowsWritten : l.rows), 0)
    lines.push(
      `overall: ${finished}/${all.length} objects, ${fmt(rows)} rows, ${duration(now - this.#started)}`,
    )
    if (this.#notice) lines.push(this.#notice)
    let out = this.#drawn > 0 ? `\x1b[${this.#drawn}A` : ''
    for (const l of lines) out += `\r\x1b[2K${l.slice(0, (process.stderr.columns || 120) - 1)}\n`
    // Lines of an earlier, taller drawing are cleared.
    for (let i = lines.length; i < this.#drawn; i++) out += '\r\x1b[2K\n'
    if (this.#drawn > lines.length) out += `\x1b[${this.#drawn - lines.length}A`
    this.#drawn = final ? 0 : lines.length
    this.#write(out)
  }
}

/** The JSON form of an object result (errors as code + message). */
export function objectJson(r: ObjectResult): Record<string, unknown> {
  const { error, ...rest } = r
  return {
    ...rest,
    ...(error
      ? {
          error: {
            code: error.code,
            message: error.message,
            ...(error.nextStep ? { nextStep: error.nextStep } : {}),
          },
        }
      : {}),
  }
}

export function runJson(r: SyncRunResult): Record<string, unknown> {
  const { error, objects, ...rest } = r
  return {
    ...rest,
    objects: objects.map(objectJson),
    ...(error ? { error: { code: error.code, message: error.message } } : {}),
  }
}

/** Progress as JSON lines: every event except `rows`, which is limited to once a second per object. */
export class JsonLinesProgress {
  readonly #write: (s: string) => void
  readonly #last = new Map<string, number>()
  readonly #now: () => number

  constructor(write: (s: string) => void, now: () => number = Date.now) {
    this.#write = write
    this.#now = now
  }

  handle(e: SyncEvent): void {
    if (e.type === 'rows') {
      const now = this.#now()
      const last = this.#last.get(e.object)
      if (last !== undefined && now - last < 1000) return
      this.#last.set(e.object, now)
    }
    const line =
      e.type === 'object-done'
        ? { type: e.type, result: objectJson(e.result) }
        : e.type === 'run-done'
          ? { type: e.type, result: runJson(e.result) }
          : e
    this.#write(`${JSON.stringify({ at: new Date().toISOString(), ...line })}\n`)
  }
}

/** The human summary table printed at the end of a run. */
export function summaryLines(r: SyncRunResult): string[] {
  const rows = [['object', 'status', 'rows written', 'deleted', 'API calls', 'duration', 'how']]
  for (const o of r.objects)
    rows.push([
      o.object,
      o.status,
      fmt(o.rowsWritten),
      fmt(o.rowsDeleted),
      String(o.apiCalls),
      duration(o.durationMs),
      o.strategy ? `${o.phase} via ${o.strategy}${o.reusedBulkJob ? ' (resumed job)' : ''}` : '',
    ])
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? []
  const lines = rows.map((row) =>
    row
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  )
  for (const o of r.objects)
    if (o.error && o.status === 'failed')
      lines.push(`${o.object}: ${o.error.message}${o.error.nextStep ? `\n  next: ${o.error.nextStep}` : ''}`)
  if (r.error) lines.push(`run: ${r.error.message}`)
  lines.push(`run ${r.runId}: ${r.apiCalls} API calls`)
  return lines
}

/** What a `--watch` did in all, printed once when it ends. */
export interface WatchTotals {
  /** The signal that ended the watch. */
  readonly signal: string
  readonly runs: number
  readonly rowsWritten: number
  readonly rowsDeleted: number
  readonly apiCalls: number
}

/** The human line of {@link WatchTotals}. */
export function watchSummary(w: WatchTotals): string {
  return `watch stopped by ${w.signal} after ${fmt(w.runs)} run${w.runs === 1 ? '' : 's'}: ${fmt(w.rowsWritten)} rows written, ${fmt(w.rowsDeleted)} deleted, ${fmt(w.apiCalls)} API calls`
}
