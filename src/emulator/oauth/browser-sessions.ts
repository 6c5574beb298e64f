/**
 * The browser side of the login pages: who is logged in (a `sid` cookie), the authorize requests waiting
 * for the user's decision, and which user already approved which app (Salesforce skips the "Allow
 * Access?" page for an app the user approved before, unless `prompt=consent`).
 */
import { randomBytes } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { EmulatorOrg, EmulatorUser } from '../org.ts'

export const SESSION_COOKIE = 'sid'

/** An authorize request validated by GET /services/oauth2/authorize, waiting for login and approval. */
export interface PendingAuthorization {
  readonly id: string
  readonly clientId: string
  readonly redirectUri: string
  readonly responseType: 'code' | 'token'
  readonly scopes: readonly string[]
  readonly state: string | undefined
  readonly codeChallenge: string | undefined
  readonly codeChallengeMethod: 'S256' | 'plain'
  readonly nonce: string | undefined
  readonly forceConsent: boolean
  /** The origin the browser used (the identity URL of an implicit-flow token uses it). */
  readonly origin: string
  readonly createdAtMs: number
}

/** UNCONFIRMED: how long Salesforce keeps an unfinished authorize request; one hour here. */
const PENDING_LIFETIME_MS = 3_600_000

function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>()
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim())
  }
  return out
}

export class BrowserSessions {
  readonly #org: EmulatorOrg
  readonly #sessions = new Map<string, { userId: string; createdAtMs: number }>()
  readonly #pending = new Map<string, PendingAuthorization>()
  readonly #approvals = new Set<string>()
  readonly #otps = new Map<string, { userId: string; createdAtMs: number }>()
  readonly #timeoutMs: () => number

  constructor(org: EmulatorOrg, timeoutSeconds: () => number) {
    this.#org = org
    this.#timeoutMs = () => timeoutSeconds() * 1000
  }

  /** The user logged in through this browser's cookie, if the UI session has not timed out. */
  user(req: FastifyRequest): EmulatorUser | undefined {
    const sid = parseCookies(req.headers.cookie).get(SESSION_COOKIE)
    const session = sid ? this.#sessions.get(sid) : undefined
    if (!session || this.#org.clock.now() - session.createdAtMs >= this.#timeoutMs()) return undefined
    const user = this.#org.userById(session.userId)
    return user?.isActive ? user : undefined
  }

  /** Starts a UI session for `user` and sets its cookie on `reply`. */
  logIn(reply: FastifyReply, user: EmulatorUser): void {
    const sid = randomBytes(24).toString('base64url')
    this.#sessions.set(sid, { userId: user.id, createdAtMs: this.#org.clock.now() })
    reply.header('set-cookie', `${SESSION_COOKIE}=${sid}; Path=/; HttpOnly; SameSite=Lax`)
  }

  /** A one-time frontdoor code for `userId` (singleaccess). UNCONFIRMED lifetime: 5 minutes. */
  issueOtp(userId: string): string {
    const otp = randomBytes(30).toString('base64url')
    this.#otps.set(otp, { userId, createdAtMs: this.#org.clock.now() })
    return otp
  }

  /** The active user of a one-time code, consuming it; undefined when unknown, used or too old. */
  redeemOtp(otp: string): EmulatorUser | undefined {
    const entry = this.#otps.get(otp)
    this.#otps.delete(otp)
    if (!entry || this.#org.clock.now() - entry.createdAtMs > 5 * 60_000) return undefined
    const user = this.#org.userById(entry.userId)
    return user?.isActive ? user : undefined
  }

  /** Ends every UI session of `userId` (or all), as revoking a user's sessions does. */
  logOutAll(userId?: string): void {
    for (const [sid, s] of this.#sessions)
      if (userId === undefined || s.userId === userId) this.#sessions.delete(sid)
  }

  addPending(input: Omit<PendingAuthorization, 'id' | 'createdAtMs'>): PendingAuthorization {
    const pending: PendingAuthorization = {
      ...input,
      id: randomBytes(18).toString('base64url'),
      createdAtMs: this.#org.clock.now(),
    }
    this.#pending.set(pending.id, pending)
    return pending
  }

  pending(id: string | undefined): PendingAuthorization | undefined {
    const p = id ? this.#pending.get(id) : undefined
    if (!p || this.#org.clock.now() - p.createdAtMs > PENDING_LIFETIME_MS) return undefined
    return p
  }

  finish(id: string): void {
    this.#pending.delete(id)
  }

  hasApproved(userId: string, clientId: string): boolean {
    return this.#approvals.has(`${userId}\0${clientId}`)
  }

  recordApproval(userId: string, clientId: string): void {
    this.#approvals.add(`${userId}\0${clientId}`)
  }

  /** Forgets approvals (all, or one user's), so the "Allow Access?" page shows again. */
  forgetApprovals(userId?: string): void {
    for (const key of this.#approvals)
      if (userId === undefined || key.startsWith(`${userId}\0`)) this.#approvals.delete(key)
  }
}
