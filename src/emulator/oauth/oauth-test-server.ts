/**
 * Test support for the OAuth layer: an emulator with only the OAuth server mounted (no record layer),
 * listening on 127.0.0.1, plus a tiny cookie-keeping form "browser" that drives the login and approval
 * pages over plain fetch.
 * @example const emu = await startOAuthTestServer(); try { ... } finally { await emu.close() }
 */
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../app.ts'
import { EmulatorOrg } from '../org.ts'
import type { EmulatorContext } from '../context.ts'
import { createOAuthServer, type OAuthServer } from './oauth-server.ts'

export interface OAuthTestServer {
  readonly org: EmulatorOrg
  readonly oauth: OAuthServer
  readonly app: FastifyInstance
  /** `http://127.0.0.1:PORT` (My Domain). */
  readonly instanceUrl: string
  /** `http://localhost:PORT` (login.salesforce.com). */
  readonly loginUrl: string
  readonly consumerKey: string
  readonly consumerSecret: string
  /** Calls the control API with the bearer control token. */
  control(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>
  /** POSTs form parameters to `${origin}/services/oauth2/token` and returns status and parsed JSON. */
  token(
    origin: string,
    params: Record<string, string>,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Record<string, unknown> }>
  close(): Promise<void>
}

export async function startOAuthTestServer(seed = 'oauth-test'): Promise<OAuthTestServer> {
  const org = new EmulatorOrg({ port: 0, seed, records: {} })
  const app = await buildApp({ org })
  const oauth = createOAuthServer(org)
  // The OAuth layer reads only `org` from the context; the record layer is not part of these tests.
  const ctx = { org, sessions: oauth.sessions } as unknown as EmulatorContext
  await oauth.register(app, ctx)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  org.instanceUrl = `http://127.0.0.1:${port}`
  org.loginUrl = `http://localhost:${port}`
  return {
    org,
    oauth,
    app,
    instanceUrl: org.instanceUrl,
    loginUrl: org.loginUrl,
    consumerKey: oauth.app.consumerKey,
    consumerSecret: oauth.app.consumerSecret,
    async control(method, path, body) {
      const res = await fetch(`${org.instanceUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${org.controlToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      const text = await res.text()
      return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined }
    },
    async token(origin, params, headers = {}) {
      const res = await fetch(`${origin}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(params).toString(),
      })
      return { status: res.status, body: (await res.json()) as Record<string, unknown> }
    },
    async close() {
      await app.close()
    },
  }
}

function unescapeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}

/** The value of the hidden input `name` in an HTML page, or undefined. */
export function hiddenField(html: string, name: string): string | undefined {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html)
  return match?.[1] === undefined ? undefined : unescapeHtml(match[1])
}

/** A fetch wrapper that keeps cookies and never follows redirects, like a scripted browser. */
export class FormBrowser {
  readonly #cookies = new Map<string, string>()

  async #request(url: string, init: RequestInit): Promise<Response> {
    const cookie = [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
    })
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const eq = pair?.indexOf('=') ?? -1
      if (pair && eq > 0) this.#cookies.set(pair.slice(0, eq), pair.slice(eq + 1))
    }
    return res
  }

  get(url: string): Promise<Response> {
    return this.#request(url, { method: 'GET' })
  }

  post(url: string, form: Record<string, string>): Promise<Response> {
    return this.#request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    })
  }
}

/**
 * Opens `authorizeUrl`, logs in as `username` when the login page shows, and clicks Allow or Deny on the
 * approval page when it shows. Returns the final redirect's Location (the callback URL).
 */
export async function authorizeWithBrowser(
  browser: FormBrowser,
  authorizeUrl: string,
  login: { username: string; password: string },
  decision: 'approve' | 'deny' = 'approve',
): Promise<string> {
  const origin = new URL(authorizeUrl).origin
  let res = await browser.get(authorizeUrl)
  let html = res.status === 200 ? await res.text() : ''
  if (html.includes('id="login_form"')) {
    const startURL = hiddenField(html, 'startURL') ?? '/'
    res = await browser.post(`${origin}/login`, { username: login.username, pw: login.password, startURL })
    if (res.status !== 302) throw new Error(`login failed with status ${res.status}`)
    res = await browser.get(new URL(res.headers.get('location') ?? '/', origin).toString())
    html = res.status === 200 ? await res.text() : ''
  }
  if (html.includes('id="oaapprove"')) {
    const source = hiddenField(html, 'source') ?? ''
    res = await browser.post(`${origin}/setup/secur/RemoteAccessAuthorizationPage.apexp`, {
      source,
      action: decision,
    })
  }
  const location = res.headers.get('location')
  if (res.status !== 302 || !location) throw new Error(`expected a redirect, got ${res.status}`)
  return location
}
