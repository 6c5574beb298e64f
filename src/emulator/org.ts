/**
 * The emulated org: its identity, users, clock and request counters, plus the parts each feature owns
 * (the Connected App and sessions in oauth/, the records in data/). One instance per running emulator;
 * every route plugin receives it.
 */
import { randomBytes, createHash } from 'node:crypto'
import { EmulatorClock } from './clock.ts'
import { makeId } from './ids.ts'
import { ApiUsage } from './rest/api-usage.ts'
import { FaultInjector } from './faults/fault-injector.ts'

/** What `sfsync emulator` was started with. */
export interface EmulatorOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  readonly port: number
  /** Seed of the deterministic data generator and of every id and secret the org mints. */
  readonly seed: string
  /** Record counts per sObject for the generator, e.g. `{ Account: 1000 }`; unspecified objects get defaults. */
  readonly records: Readonly<Record<string, number>>
  /** Folder for the emulator's own files (its record database); a temp folder when omitted. */
  readonly dataDir?: string
  /**
   * Folder of describe JSON files (`X.json`, bare or `sf sobject describe --json`'s `{status, result}`)
   * and an optional `_describeGlobal.json`: the org then has exactly those objects (schema-io/).
   */
  readonly schemaDir?: string
  /** Live activity at start, in activities per second (activity/); 0 or absent: none. */
  readonly activityRate?: number
  /** Commit lag of the live activity in ms (real orgs: 1000–3000); default 0. */
  readonly commitLagMs?: number
  /** `DailyApiRequests.Max`; default DEFAULT_DAILY_API_REQUESTS. */
  readonly dailyApiRequests?: number
  /** Start the change journal with one entry per generated record (default: small orgs only). */
  readonly journalBaseline?: boolean
}

export const EMULATOR_DEFAULTS: Omit<EmulatorOptions, 'records'> & { records: Record<string, number> } = {
  port: 0,
  seed: 'sfsync',
  records: {},
}

/** A user who can log in to the emulated org (through the authorize page, the device page or a grant). */
export interface EmulatorUser {
  readonly id: string
  readonly username: string
  readonly password: string
  readonly firstName: string
  readonly lastName: string
  readonly email: string
  readonly isActive: boolean
  /** False for a user whose profile lacks "API Enabled": REST answers API_DISABLED_FOR_ORG for them. */
  readonly apiEnabled: boolean
}

/** Counts requests per endpoint (`GET /services/data/vXX.X/query`) and arbitrary named events. */
export class RequestCounters {
  readonly #counts = new Map<string, number>()

  increment(key: string, by = 1): void {
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + by)
  }

  get(key: string): number {
    return this.#counts.get(key) ?? 0
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.#counts.entries()].sort(([a], [b]) => a.localeCompare(b)))
  }

  reset(): void {
    this.#counts.clear()
  }
}

/** Deterministic bytes derived from the seed, so that the same seed gives the same keys and ids. */
export function seededBytes(seed: string, purpose: string, length: number): Buffer {
  const out: Buffer[] = []
  let total = 0
  for (let i = 0; total < length; i++) {
    const chunk = createHash('sha256').update(`${seed}\0${purpose}\0${i}`).digest()
    out.push(chunk)
    total += chunk.length
  }
  return Buffer.concat(out).subarray(0, length)
}

/** A string over [A-Za-z0-9] of `length`, derived from the seed. */
export function seededToken(seed: string, purpose: string, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  const bytes = seededBytes(seed, purpose, length)
  let s = ''
  for (const b of bytes) s += alphabet[b % alphabet.length]
  return s
}

export class EmulatorOrg {
  readonly options: EmulatorOptions
  readonly clock: EmulatorClock
  readonly counters = new RequestCounters()
  /** API calls in the rolling 24 h window against `DailyApiRequests` (every layer that serves API calls counts here). */
  readonly apiUsage: ApiUsage
  /**
   * Fault injection and the request log (faults/): every layer can reach it, e.g. the Bulk layer's
   * `org.faults.bulkJobFault('query', req)`; `org.faults.log` is the request log.
   */
  readonly faults: FaultInjector
  /** 18-character org id (key prefix 00D). */
  readonly orgId: string
  /** The 2-character pod segment shared by every id the org mints. */
  readonly pod: string
  #users: EmulatorUser[]
  /** Bearer token of the control API (`/__emulator/...`); random per run, never derived from the seed. */
  readonly controlToken: string
  /** Set once the server listens: `http://127.0.0.1:PORT`, the org's My Domain. */
  instanceUrl = ''
  /** Set once the server listens: `http://localhost:PORT`, standing in for login.salesforce.com. */
  loginUrl = ''

  constructor(options: EmulatorOptions, clock = new EmulatorClock()) {
    this.options = options
    this.clock = clock
    this.apiUsage = new ApiUsage(() => this.clock.now(), options.dailyApiRequests)
    this.faults = new FaultInjector({ seed: options.seed, counters: this.counters })
    this.pod = '5e'
    this.orgId = makeId(
      '00D',
      this.pod,
      1 + (seededBytes(options.seed, 'org', 4).readUInt32BE(0) % 1_000_000),
    )
    this.controlToken = randomBytes(24).toString('base64url')
    const password = `Emu-${seededToken(options.seed, 'admin-password', 12)}`
    this.#users = [
      {
        id: makeId('005', this.pod, 1),
        username: 'admin@sfsync-emulator.example',
        password,
        firstName: 'Ada',
        lastName: 'Admin',
        email: 'admin@sfsync-emulator.example',
        isActive: true,
        apiEnabled: true,
      },
      {
        id: makeId('005', this.pod, 2),
        username: 'integration@sfsync-emulator.example',
        password: `Emu-${seededToken(options.seed, 'integration-password', 12)}`,
        firstName: 'Integration',
        lastName: 'User',
        email: 'integration@sfsync-emulator.example',
        isActive: true,
        apiEnabled: true,
      },
    ]
  }

  /** Every user who can log in. */
  get users(): readonly EmulatorUser[] {
    return this.#users
  }

  /**
   * Changes a user's login-relevant flags (the control API's `PATCH /__emulator/users/{username}`), as an
   * admin would in Setup: deactivating the user, or removing "API Enabled" from their profile.
   * Returns the updated user, or undefined when there is no such user.
   */
  updateUser(
    username: string,
    patch: { readonly isActive?: boolean; readonly apiEnabled?: boolean },
  ): EmulatorUser | undefined {
    const index = this.#users.findIndex((u) => u.username.toLowerCase() === username.toLowerCase())
    const current = this.#users[index]
    if (!current) return undefined
    const updated: EmulatorUser = { ...current, ...patch }
    this.#users[index] = updated
    return updated
  }

  /** The administrator whose credentials the startup line prints. */
  get adminUser(): EmulatorUser {
    const user = this.users[0]
    if (!user) throw new Error('the org has no users')
    return user
  }

  userByUsername(username: string): EmulatorUser | undefined {
    const wanted = username.toLowerCase()
    return this.users.find((u) => u.username.toLowerCase() === wanted)
  }

  userById(id: string): EmulatorUser | undefined {
    return this.users.find((u) => u.id === id || u.id.slice(0, 15) === id)
  }
}
