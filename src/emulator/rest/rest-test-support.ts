/**
 * Test support for the REST layer: a real emulator (`startEmulator`) on 127.0.0.1, an access token
 * from the client-credentials flow, and small fetch helpers for the REST and control APIs.
 * @example const org = await startRestTestOrg(); try { await org.api('GET', '/limits') } finally { await org.close() }
 */
import { startEmulator, type RunningEmulator } from '../emulator.ts'

export const TEST_API_VERSION = '60.0'

export interface HttpAnswer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  /** Parsed JSON, or undefined when the body is empty or not JSON. */
  readonly body: unknown
}

export interface RequestOptions {
  readonly body?: unknown
  /** Sent as is, instead of JSON.stringify(body). */
  readonly rawBody?: string
  readonly headers?: Record<string, string>
  /** Overrides the access token (`null`: no Authorization header). */
  readonly token?: string | null
}

export interface RestTestOrg {
  readonly emu: RunningEmulator
  /** The access token `api` sends by default. */
  readonly token: string
  /** `/services/data/v60.0` on the instance. */
  readonly base: string
  /** A REST call; `path` is relative to `/services/data/vXX.X` unless it starts with `/services/`. */
  api(method: string, path: string, options?: RequestOptions): Promise<HttpAnswer>
  /** A control API call (`/__emulator/...` path). */
  control(method: string, path: string, body?: unknown): Promise<HttpAnswer>
  /** A new access token from the client-credentials flow. */
  newToken(): Promise<string>
  /** Replaces the default token with a new one (after moving the clock past the session timeout). */
  renewToken(): Promise<string>
  close(): Promise<void>
}

async function answer(res: Response): Promise<HttpAnswer> {
  const text = await res.text()
  let body: unknown
  try {
    body = text === '' ? undefined : JSON.parse(text)
  } catch {
    body = undefined
  }
  return { status: res.status, headers: res.headers, text, body }
}

export async function startRestTestOrg(
  options: { seed?: string; records?: Record<string, number> } = {},
): Promise<RestTestOrg> {
  const emu = await startEmulator({ seed: options.seed ?? 'rest-test', records: options.records ?? {} })
  const { info } = emu
  const base = `${info.instanceUrl}/services/data/v${TEST_API_VERSION}`

  async function newToken(): Promise<string> {
    const res = await fetch(`${info.instanceUrl}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: info.consumerKey,
        client_secret: info.consumerSecret,
      }).toString(),
    })
    const body = (await res.json()) as { access_token?: string }
    if (res.status !== 200 || !body.access_token) throw new Error(`token request failed: ${res.status}`)
    return body.access_token
  }

  try {
    let token = await newToken()
    return {
      emu,
      get token() {
        return token
      },
      base,
      newToken,
      async renewToken() {
        token = await newToken()
        return token
      },
      async api(method, path, opts = {}) {
        const url = path.startsWith('/services/') ? `${info.instanceUrl}${path}` : `${base}${path}`
        const headers: Record<string, string> = { ...opts.headers }
        const auth = opts.token === undefined ? token : opts.token
        if (auth !== null) headers.authorization = `Bearer ${auth}`
        let body: string | undefined = opts.rawBody
        if (body === undefined && opts.body !== undefined) body = JSON.stringify(opts.body)
        if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
          headers['content-type'] = 'application/json'
        return answer(await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) }))
      },
      async control(method, path, body) {
        return answer(
          await fetch(`${info.instanceUrl}${path}`, {
            method,
            headers: {
              authorization: `Bearer ${info.controlToken}`,
              ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            },
            ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          }),
        )
      },
      close: () => emu.close(),
    }
  } catch (err) {
    await emu.close()
    throw err
  }
}
