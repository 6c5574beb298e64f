/**
 * Live org activity: background changes through the record layer at a configured rate (or N at a time
 * with `step`), with a commit lag. A planned activity gets its timestamp `t` when it is planned and is
 * applied at `t + commitLagMs`, with the org clock pinned at `t` while it writes: until then queries
 * (REST, Bulk, /updated) do not see it, and afterwards its SystemModstamp is `t`, earlier than the time
 * it became visible — what real orgs do (reference/field-notes.md). Changes of one activity (a burst,
 * cascades) are one transaction and share one timestamp.
 *
 * Determinism: activity number k draws from its own Prng (seed, k) and activities are applied in commit
 * order (visible time, then plan order), so the same seed over the same sequence of steps on the same
 * org makes the same changes — exactly so without commit lag; with lag, as long as the emulated time
 * between steps is the same (the clock's real-time drift can reorder jittered commits).
 * @example const a = new OrgActivity({ data, clock, writer, seed: 's' }); a.step(100); a.flushDue()
 */
import { DmlError, type WriteContext } from '../data/org-data.ts'
import { Prng } from '../data/generate/prng.ts'
import type { SqliteOrgData } from '../data/sqlite-org-data.ts'
import type { OrgSObjectSchema } from '../data/schema/sobject-schema.ts'
import { FieldValues } from '../schema-io/field-values.ts'
import { ACTIVITY_KINDS, NothingToDo, runOp, type ActivityKind, type OpContext } from './activity-ops.ts'
import { defaultActivityConfig, updateActivityConfig, type ActivityConfig } from './activity-config.ts'
import type { PinnableClock } from './pinnable-clock.ts'
import { RecordPicker } from './record-picker.ts'

const DAY_MS = 86_400_000
/** Attempts per activity before it counts as failed (a random write may be refused, e.g. a lookup filter). */
const ATTEMPTS = 6
const TICK_MS = 50

interface Planned {
  readonly n: number
  readonly stampMs: number
  readonly visibleAtMs: number
}

export interface ActivityStatus {
  readonly running: boolean
  readonly config: ActivityConfig
  /** Activities planned so far (the next one gets this number). */
  readonly planned: number
  /** Activities applied (visible). */
  readonly applied: number
  /** Activities waiting for their commit lag. */
  readonly pending: number
  /** Activities given up after every attempt was refused or had nothing to change. */
  readonly failed: number
  /** Applied activities by kind. */
  readonly byKind: Readonly<Record<ActivityKind, number>>
}

export interface OrgActivityOptions {
  readonly data: SqliteOrgData
  readonly clock: PinnableClock
  readonly writer: WriteContext
  readonly seed: string
}

export class OrgActivity {
  readonly #data: SqliteOrgData
  readonly #clock: PinnableClock
  readonly #writer: WriteContext
  readonly #picker: RecordPicker
  readonly #values: FieldValues
  readonly #queue: Planned[] = []
  readonly #byKind = Object.fromEntries(ACTIVITY_KINDS.map((k) => [k, 0])) as Record<ActivityKind, number>
  #config: ActivityConfig
  #planned = 0
  #applied = 0
  #failed = 0
  #running = false
  #timer: ReturnType<typeof setInterval> | undefined
  #lastTick = 0
  #carry = 0

  constructor(options: OrgActivityOptions) {
    this.#data = options.data
    this.#clock = options.clock
    this.#writer = options.writer
    this.#config = defaultActivityConfig(options.seed)
    this.#picker = new RecordPicker(options.data.database)
    // Generated dates are relative to the start of the day, not to the millisecond: two runs of one
    // seed on the same day write the same values.
    const anchor = Math.floor(options.clock.now() / DAY_MS) * DAY_MS
    this.#values = new FieldValues(
      (targets, prng) => this.#pickReference(targets, prng),
      () => anchor,
    )
  }

  get config(): ActivityConfig {
    return this.#config
  }

  /** Changes settings (see activity-config.ts); a new rate applies from the next tick. */
  configure(patch: unknown): ActivityConfig {
    this.#config = updateActivityConfig(this.#config, patch, (name) => this.#data.schema(name)?.name)
    return this.#config
  }

  status(): ActivityStatus {
    return {
      running: this.#running,
      config: this.#config,
      planned: this.#planned,
      applied: this.#applied,
      pending: this.#queue.length,
      failed: this.#failed,
      byKind: { ...this.#byKind },
    }
  }

  /** Starts background activity at `config.rate` activities per second (real time). */
  start(): void {
    if (this.#config.rate <= 0) throw new RangeError('set a rate > 0 before starting the activity')
    this.#running = true
    this.#lastTick = performance.now()
    this.#carry = 0
    this.#ensureTimer()
  }

  /** Stops planning; activities already planned are still applied when their lag has passed. */
  stop(): void {
    this.#running = false
  }

  /**
   * Plans `count` activities now, then applies every one that is due (all of them without commit lag).
   * Returns how many were applied by this call.
   */
  step(count: number): number {
    this.#plan(count)
    const applied = this.flushDue()
    this.#ensureTimer()
    return applied
  }

  /** Applies every planned activity whose commit lag has passed; returns how many. */
  flushDue(): number {
    if (this.#clock.isPinned) return 0
    let n = 0
    while (this.#queue.length > 0) {
      const next = this.#queue[0] as Planned
      if (next.visibleAtMs > this.#clock.now()) break
      this.#queue.shift()
      this.#apply(next)
      n++
    }
    return n
  }

  /** Applies every planned activity now, whatever its lag (used before reading a final state). */
  flushAll(): number {
    let n = 0
    while (this.#queue.length > 0) {
      this.#apply(this.#queue.shift() as Planned)
      n++
    }
    return n
  }

  close(): void {
    this.#running = false
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = undefined
  }

  #ensureTimer(): void {
    if (this.#timer) return
    this.#timer = setInterval(() => this.#tick(), TICK_MS)
    this.#timer.unref()
  }

  #tick(): void {
    try {
      if (this.#running) {
        const now = performance.now()
        const due = (this.#config.rate * (now - this.#lastTick)) / 1000 + this.#carry
        this.#lastTick = now
        const whole = Math.floor(due)
        this.#carry = due - whole
        this.#plan(whole)
      }
      this.flushDue()
    } catch (err) {
      process.emitWarning(err instanceof Error ? err : new Error(String(err)), 'OrgActivityWarning')
    }
    if (!this.#running && this.#queue.length === 0 && this.#timer) {
      clearInterval(this.#timer)
      this.#timer = undefined
    }
  }

  #plan(count: number): void {
    const stampMs = this.#clock.now()
    const { commitLagMs, commitLagJitterMs, seed } = this.#config
    for (let i = 0; i < count; i++) {
      const n = this.#planned++
      const jitter = commitLagJitterMs > 0 ? new Prng(seed, `lag:${n}`).int(0, commitLagJitterMs) : 0
      this.#enqueue({ n, stampMs, visibleAtMs: stampMs + commitLagMs + jitter })
    }
  }

  /** Keeps the queue in commit order: by visible time, then plan order. */
  #enqueue(planned: Planned): void {
    const q = this.#queue
    let lo = 0
    let hi = q.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const other = q[mid] as Planned
      if (
        other.visibleAtMs < planned.visibleAtMs ||
        (other.visibleAtMs === planned.visibleAtMs && other.n < planned.n)
      )
        lo = mid + 1
      else hi = mid
    }
    q.splice(lo, 0, planned)
  }

  #targets(): OrgSObjectSchema[] {
    const { objects } = this.#config
    if (objects.length > 0) return objects.map((o) => this.#data.schema(o)).filter((s) => s !== undefined)
    return this.#data
      .schemas()
      .filter(
        (s) =>
          s.name !== 'User' &&
          s.describe.createable === true &&
          s.describe.deletable === true &&
          s.describe.queryable === true &&
          typeof s.describe.keyPrefix === 'string',
      )
  }

  #pickKind(prng: Prng): ActivityKind {
    const mix = this.#config.mix
    const total = ACTIVITY_KINDS.reduce((sum, k) => sum + mix[k], 0)
    let r = prng.next() * total
    for (const k of ACTIVITY_KINDS) {
      r -= mix[k]
      if (r < 0 && mix[k] > 0) return k
    }
    return ACTIVITY_KINDS.find((k) => mix[k] > 0) ?? 'update'
  }

  #apply(planned: Planned): void {
    const prng = new Prng(this.#config.seed, `activity:${planned.n}`)
    const targets = this.#targets()
    if (targets.length === 0) {
      this.#failed++
      return
    }
    // One transaction, one timestamp: the planned time when the commit lags, else the time it applies.
    const lagged = planned.visibleAtMs > planned.stampMs
    const stampMs = lagged ? planned.stampMs : this.#clock.now()
    const ctx: OpContext = {
      data: this.#data,
      picker: this.#picker,
      values: this.#values,
      writer: this.#writer,
      stampMs,
      burstSize: this.#config.burstSize,
      n: planned.n,
    }
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const kind = this.#pickKind(prng)
      const schema = prng.pick(targets)
      try {
        const run = () => this.#data.transaction(() => runOp(kind, ctx, schema, prng))
        this.#clock.pinned(stampMs, run)
        this.#applied++
        this.#byKind[kind]++
        return
      } catch (err) {
        if (!(err instanceof NothingToDo) && !(err instanceof DmlError)) {
          // An unexpected failure must not break the client request that happened to commit it: it
          // is reported, and the activity counts as failed.
          process.emitWarning(err instanceof Error ? err : new Error(String(err)), 'OrgActivityWarning')
          break
        }
      }
    }
    this.#failed++
  }

  #pickReference(targets: readonly string[], prng: Prng): string | undefined {
    const schemas = targets
      .map((t) => this.#data.schema(t))
      .filter((s): s is OrgSObjectSchema => s !== undefined && typeof s.describe.keyPrefix === 'string')
    if (schemas.length === 0) return undefined
    return this.#picker.live(prng.pick(schemas), prng)
  }
}
