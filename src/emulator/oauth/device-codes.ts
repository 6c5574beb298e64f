/**
 * Pending device-flow authorizations (reference/salesforce-oauth.md §2.6): the device code a client
 * polls with, the user code a person types at `/setup/connect`, and what that person decided.
 */
import { randomInt } from 'node:crypto'
import type { EmulatorOrg } from '../org.ts'

/** Seconds between polls that Salesforce asks for (`interval` in every observed payload is 5). */
export const DEVICE_POLL_INTERVAL_SECONDS = 5

/**
 * UNCONFIRMED: Salesforce sends no `expires_in` and documents no lifetime for device codes; 10 minutes
 * is what RFC 8628 implementations commonly use.
 */
export const DEVICE_CODE_LIFETIME_MS = 10 * 60_000

const USER_CODE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'

export interface DeviceAuthorization {
  readonly deviceCode: string
  readonly userCode: string
  readonly clientId: string
  /** The scopes asked for; undefined when the request named none. */
  readonly requestedScopes: readonly string[] | undefined
  /** Origin of the host the codes were requested from: the identity URL and verification URI use it. */
  readonly origin: string
  readonly issuedAtMs: number
  lastPollMs: number | undefined
  state: 'pending' | 'approved' | 'denied' | 'used'
  approvedUserId: string | undefined
}

export class DeviceCodes {
  readonly #org: EmulatorOrg
  readonly #byDeviceCode = new Map<string, DeviceAuthorization>()
  readonly #byUserCode = new Map<string, DeviceAuthorization>()

  constructor(org: EmulatorOrg) {
    this.#org = org
  }

  create(input: {
    clientId: string
    requestedScopes: readonly string[] | undefined
    origin: string
    clientIp: string
  }): DeviceAuthorization {
    let userCode: string
    do {
      userCode = ''
      for (let i = 0; i < 8; i++) userCode += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]
    } while (this.#byUserCode.has(userCode))
    const issuedAtMs = this.#org.clock.now()
    // Salesforce's device code is base64 of `<client_id>;<client IP>;<epoch ms>;<user_code>` (fixture
    // in forcedotcom/SalesforcePy); the user code makes it unique.
    const deviceCode = Buffer.from(`${input.clientId};${input.clientIp};${issuedAtMs};${userCode}`).toString(
      'base64',
    )
    const auth: DeviceAuthorization = {
      deviceCode,
      userCode,
      clientId: input.clientId,
      requestedScopes: input.requestedScopes,
      origin: input.origin,
      issuedAtMs,
      lastPollMs: undefined,
      state: 'pending',
      approvedUserId: undefined,
    }
    this.#byDeviceCode.set(deviceCode, auth)
    this.#byUserCode.set(userCode, auth)
    return auth
  }

  byDeviceCode(deviceCode: string): DeviceAuthorization | undefined {
    return this.#byDeviceCode.get(deviceCode)
  }

  /** The pending, unexpired authorization a person can act on with `userCode` (case and spaces ignored). */
  pendingByUserCode(userCode: string): DeviceAuthorization | undefined {
    const auth = this.#byUserCode.get(userCode.replace(/[\s-]/g, '').toUpperCase())
    if (!auth || auth.state !== 'pending' || this.isExpired(auth)) return undefined
    return auth
  }

  isExpired(auth: DeviceAuthorization): boolean {
    return this.#org.clock.now() - auth.issuedAtMs > DEVICE_CODE_LIFETIME_MS
  }

  approve(auth: DeviceAuthorization, userId: string): void {
    auth.state = 'approved'
    auth.approvedUserId = userId
  }

  deny(auth: DeviceAuthorization): void {
    auth.state = 'denied'
  }

  /** Counts by state, for the control API. */
  counts(): Record<string, number> {
    const out: Record<string, number> = { pending: 0, approved: 0, denied: 0, used: 0, expired: 0 }
    for (const a of this.#byDeviceCode.values()) {
      const key = a.state === 'pending' && this.isExpired(a) ? 'expired' : a.state
      out[key] = (out[key] ?? 0) + 1
    }
    return out
  }
}
