/**
 * Decides which faults the emulator injects. Rules come from the control API; each HTTP request (and
 * each Bulk job the Bulk layer creates) asks the injector which faults apply to it. Rate rules draw
 * from a PRNG keyed by (seed, rule configuration, number of the matching request), so the same seed,
 * rules and request sequence give the same faults at the same positions; scripted rules fire on the
 * next N matching requests. One instance per org: `org.faults`.
 */
import { createHash } from 'node:crypto'
import {
  FaultRuleError,
  parseFaultRules,
  type BulkJobKind,
  type FaultKind,
  type FaultRule,
  type FaultSpec,
} from './fault-rules.ts'
import { RequestLog } from './request-log.ts'

/** A fault that applies to one request or job. */
export interface AppliedFault {
  readonly ruleId: string
  readonly kind: FaultKind
  readonly spec: FaultSpec
  /** A number in [0, 1) drawn under the seed for this application (where to cut a body, ...). */
  readonly position: number
}

/** The faults for one HTTP request: latency (summed over latency rules) and at most one other fault. */
export interface RequestFaults {
  readonly latencyMs: number
  readonly fault: AppliedFault | undefined
  /** Every fault applied, latency included, in rule order (for the request log). */
  readonly applied: readonly AppliedFault[]
}

/**
 * What the Bulk layer does with a job (see FaultInjector.bulkJobFault): `fail` moves it to Failed with
 * `errorMessage`; `query-timeout` moves it to Failed with a QUERY_TIMEOUT `errorMessage`; `stall` keeps
 * it InProgress for `ms` of emulated time (org.clock) before it proceeds normally.
 */
export type BulkJobFault =
  | { readonly kind: 'fail'; readonly message: string }
  | { readonly kind: 'query-timeout'; readonly message: string }
  | { readonly kind: 'stall'; readonly ms: number }

/** A rule and what it has done so far, as the control API lists it. */
export interface FaultRuleView {
  readonly id: string
  readonly method?: string
  readonly path?: string
  readonly job?: string
  readonly fault: FaultSpec
  readonly rate?: number
  readonly times?: number
  readonly skip: number
  readonly seed: string
  /** Requests (or jobs) that matched the rule so far. */
  readonly matched: number
  /** Times it fired. */
  readonly fired: number
  /** Times it may still fire; null when unlimited. */
  readonly remaining: number | null
}

/** Where the injector counts what it does (the org's RequestCounters). */
export interface FaultCounters {
  increment(key: string, by?: number): void
}

interface RuleState {
  readonly rule: FaultRule
  matched: number
  fired: number
}

// UNCONFIRMED: the errorMessage of a Bulk 2.0 job that failed. tap-salesforce falls back to PK
// chunking on failures containing "Retried more" or "QUERY_TIMEOUT" (reference §6), so the messages
// carry those markers; the "CODE : message" layout is a guess.
const DEFAULT_JOB_FAILED_MESSAGE = 'InternalServerError : Retried more than 15 times'
const QUERY_TIMEOUT_MESSAGE = 'QUERY_TIMEOUT : Your query request was running for too long.'

/** A uniform number in [0, 1) from (seed, key, n, purpose): the injector's only source of chance. */
export function seededUniform(seed: string, key: string, n: number, purpose: string): number {
  const digest = createHash('sha256').update(`${seed}\0${key}\0${n}\0${purpose}`).digest()
  return digest.readUIntBE(0, 6) / 2 ** 48
}

/**
 * @example
 * const faults = new FaultInjector({ seed: 'sfsync', counters: org.counters })
 * faults.addRules([{ method: 'GET', path: '/services/data/*\/query', fault: { kind: 'server-unavailable' }, rate: 0.1 }])
 */
export class FaultInjector {
  readonly #seed: string
  readonly #counters: FaultCounters
  readonly #states: RuleState[] = []
  readonly #requestFaults = new WeakMap<object, AppliedFault[]>()
  readonly #revokedLocally = new Set<string>()
  #revoker: ((accessToken: string) => void) | undefined
  #nextId = 1
  /** Every request's log entry (written by the hooks in fault-hooks.ts). */
  readonly log: RequestLog

  constructor(options: { seed: string; counters: FaultCounters; log?: RequestLog }) {
    this.#seed = options.seed
    this.#counters = options.counters
    this.log = options.log ?? new RequestLog()
  }

  /** Validates and appends rules (throws FaultRuleError with a readable message); returns them as listed. */
  addRules(input: unknown): FaultRuleView[] {
    const existing = new Set(this.#states.map((s) => s.rule.id))
    const used = new Set(existing)
    const rules = parseFaultRules(input, this.#seed, () => {
      let id = `rule-${this.#nextId++}`
      while (used.has(id)) id = `rule-${this.#nextId++}`
      used.add(id)
      return id
    })
    const batch = new Set<string>()
    for (const rule of rules) {
      if (existing.has(rule.id))
        throw new FaultRuleError(`a rule with id "${rule.id}" exists already; DELETE it first`)
      if (batch.has(rule.id)) throw new FaultRuleError(`two rules have the id "${rule.id}"`)
      batch.add(rule.id)
    }
    const added = rules.map((rule) => ({ rule, matched: 0, fired: 0 }))
    this.#states.push(...added)
    return added.map(view)
  }

  /** Every rule with its counts, in evaluation order. */
  listRules(): FaultRuleView[] {
    return this.#states.map(view)
  }

  /** Removes one rule; false when there is none with that id. */
  removeRule(id: string): boolean {
    const index = this.#states.findIndex((s) => s.rule.id === id)
    if (index < 0) return false
    this.#states.splice(index, 1)
    return true
  }

  /** Removes every rule. */
  clearRules(): void {
    this.#states.length = 0
  }

  /**
   * The faults for one HTTP request (called once per request by the hooks). Every matching rule counts
   * the request, so each rule's draws depend only on the requests it matches.
   */
  forRequest(method: string, path: string): RequestFaults {
    let latencyMs = 0
    let fault: AppliedFault | undefined
    const applied: AppliedFault[] = []
    const upper = method.toUpperCase()
    for (const state of this.#states) {
      const { rule } = state
      if (rule.target !== 'http') continue
      if (rule.method !== '*' && rule.method !== upper) continue
      if (!rule.pathRegExp.test(path)) continue
      // One request gets at most one non-latency fault: a later rule still counts the request (its
      // draws stay aligned) but cannot fire, and a scripted one keeps its turn.
      const hit = this.#draw(state, rule.fault.kind === 'latency' || fault === undefined)
      if (!hit) continue
      if (hit.spec.kind === 'latency') latencyMs += hit.spec.ms
      else fault = hit
      applied.push(hit)
    }
    return { latencyMs, fault, applied }
  }

  /**
   * For the Bulk layer: call once when a job is created, with the job kind and the request that
   * created it; apply what it returns (see BulkJobFault), or nothing when it returns undefined. The
   * fault is counted (`fault.job-*`) and shown on that request's log entry.
   * @example const jobFault = org.faults.bulkJobFault('query', req)
   */
  bulkJobFault(job: BulkJobKind, request?: { readonly raw: object }): BulkJobFault | undefined {
    for (const state of this.#states) {
      const { rule } = state
      if (rule.target !== 'job' || (rule.job !== '*' && rule.job !== job)) continue
      const hit = this.#draw(state, true)
      if (!hit) continue
      if (request) this.noteRequestFault(request.raw, hit)
      const spec = hit.spec
      if (spec.kind === 'job-stall') return { kind: 'stall', ms: spec.ms }
      if (spec.kind === 'job-query-timeout') return { kind: 'query-timeout', message: QUERY_TIMEOUT_MESSAGE }
      if (spec.kind === 'job-failed')
        return { kind: 'fail', message: spec.message ?? DEFAULT_JOB_FAILED_MESSAGE }
    }
    return undefined
  }

  /** Undoes an applied fault that turned out not to apply (e.g. truncated-csv on a JSON error body). */
  refund(fault: AppliedFault): void {
    const state = this.#states.find((s) => s.rule.id === fault.ruleId)
    if (state) this.#unfire(state, fault)
    else this.#counters.increment(`fault.${fault.kind}`, -1)
  }

  /** Remembers that `fault` applied to the request `raw` (its log entry shows it). */
  noteRequestFault(raw: object, fault: AppliedFault): void {
    const list = this.#requestFaults.get(raw)
    if (list) list.push(fault)
    else this.#requestFaults.set(raw, [fault])
  }

  /** Forgets a fault noted on a request (after a refund). */
  unnoteRequestFault(raw: object, fault: AppliedFault): void {
    const list = this.#requestFaults.get(raw)
    const index = list ? list.indexOf(fault) : -1
    if (list && index >= 0) list.splice(index, 1)
  }

  /** The faults noted on the request `raw`. */
  requestFaults(raw: object): readonly AppliedFault[] {
    return this.#requestFaults.get(raw) ?? []
  }

  /**
   * Lets the OAuth layer revoke sessions for the `invalid-session` fault (e.g. its token store's
   * revokeAccessToken). Until one is set the injector remembers revoked tokens itself and the hooks
   * refuse them with INVALID_SESSION_ID.
   */
  setSessionRevoker(revoke: (accessToken: string) => void): void {
    this.#revoker = revoke
  }

  /** Revokes the session of `accessToken` (the invalid-session fault). */
  revokeSession(accessToken: string): void {
    if (this.#revoker) this.#revoker(accessToken)
    else this.#revokedLocally.add(accessToken)
  }

  /** True for a token this injector revoked itself (no OAuth revoker set at the time). */
  isRevokedLocally(accessToken: string): boolean {
    return this.#revokedLocally.has(accessToken)
  }

  #draw(state: RuleState, mayFire: boolean): AppliedFault | undefined {
    const { rule } = state
    state.matched += 1
    const n = state.matched
    if (!mayFire || n <= rule.skip) return undefined
    if (rule.times !== undefined && state.fired >= rule.times) return undefined
    if (rule.rate !== undefined && seededUniform(rule.seed, rule.drawKey, n, 'fire') >= rule.rate)
      return undefined
    state.fired += 1
    this.#counters.increment(`fault.${rule.fault.kind}`)
    return {
      ruleId: rule.id,
      kind: rule.fault.kind,
      spec: rule.fault,
      position: seededUniform(rule.seed, rule.drawKey, n, 'position'),
    }
  }

  #unfire(state: RuleState, fault: AppliedFault): void {
    state.fired -= 1
    this.#counters.increment(`fault.${fault.kind}`, -1)
  }
}

function view(state: RuleState): FaultRuleView {
  const { rule } = state
  return {
    id: rule.id,
    ...(rule.target === 'http' ? { method: rule.method, path: rule.path } : { job: rule.job }),
    fault: rule.fault,
    ...(rule.rate !== undefined ? { rate: rule.rate } : {}),
    ...(rule.times !== undefined ? { times: rule.times } : {}),
    skip: rule.skip,
    seed: rule.seed,
    matched: state.matched,
    fired: state.fired,
    remaining: rule.times === undefined ? null : Math.max(0, rule.times - state.fired),
  }
}
