/**
 * Test support for the Bulk tests: the whole emulator (`startEmulator`) over real HTTP, an access token
 * from its OAuth server (client-credentials grant), a jsforce connection, and small helpers for raw
 * calls and the control API.
 * @example const emu = await startBulkEmulator({ Account: 500 }); try { ... } finally { await emu.close() }
 */
import jsforce from 'jsforce'
import { startEmulator, type RunningEmulator } from '../emulator.ts'

export const API_VERSION = '60.0'

export interface HttpResult {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  json(): unknown
}

export interface BulkEmulator {
  readonly emu: RunningEmulator
  readonly url: string
  /** The current access token. */
  readonly token: string
  /** A jsforce connection with the current token. */
  conn(): jsforce.Connection
  /** Gets a fresh token (after the emulated clock moved past the session timeout). */
  renewToken(): Promise<void>
  /** A call with the access token; JSON bodies unless `contentType` says otherwise. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResult>
  /** A control API call (`/__emulator/...`). */
  control(method: string, path: string, body?: unknown): Promise<HttpResult>
  close(): Promise<void>
}

async function toResult(res: Response): Promise<HttpResult> {
  const text = await res.text()
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as unknown }
}

export async function startBulkEmulator(records: Record<string, number>): Promise<BulkEmulator> {
  const emu = await startEmulator({ records, seed: 'bulk-tests' })
  const url = emu.info.instanceUrl
  const getToken = async (): Promise<string> => {
    const res = await fetch(`${url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: emu.info.consumerKey,
        client_secret: emu.info.consumerSecret,
      }).toString(),
    })
    const body = (await res.json()) as { access_token?: string }
    if (!body.access_token) throw new Error(`no access token: ${JSON.stringify(body)}`)
    return body.access_token
  }
  let token = await getToken()
  return {
    emu,
    url,
    get token() {
      return token
    },
    conn: () =>
      new jsforce.Connection({ instanceUrl: url, accessToken: token, version: API_VERSION, maxRequest: 50 }),
    async renewToken() {
      token = await getToken()
    },
    async call(method, path, body, headers = {}) {
      const isText = typeof body === 'string'
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          'accept-encoding': 'identity',
          ...(body === undefined ? {} : { 'content-type': isText ? 'text/csv' : 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: isText ? body : JSON.stringify(body) }),
      })
      return toResult(res)
    },
    async control(method, path, body) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${emu.info.controlToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      return toResult(res)
    },
    close: () => emu.close(),
  }
}

/** Asserts-free parse of a one-element Salesforce error array: `{status, errorCode, message}`. */
export function errorOf(res: HttpResult): { status: number; errorCode: string; message: string } {
  const body = res.json() as Array<{ errorCode?: string; message?: string }>
  if (!Array.isArray(body) || body.length !== 1) throw new Error(`not a one-element error array: ${res.text}`)
  return { status: res.status, errorCode: body[0]?.errorCode ?? '', message: body[0]?.message ?? '' }
}
