/**
 * A listening emulator shell (buildApp, the fault control API) with a few stand-in routes, for the
 * fault tests: token minting, a JSON query, and a Bulk-style CSV results page served either as one
 * string or as a stream. The real layers' routes are exercised through startEmulator elsewhere; these
 * keep the fault tests independent of them.
 */
import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { request, type Dispatcher } from 'undici'
import { buildApp, sendJson } from '../../app.ts'
import { invalidSession } from '../../errors.ts'
import { EmulatorOrg } from '../../org.ts'
import { registerFaultRoutes } from '../fault-routes.ts'

export interface FaultTestApp {
  readonly org: EmulatorOrg
  readonly app: FastifyInstance
  readonly baseUrl: string
  /** Mints a token the stand-in routes accept. */
  login(): Promise<string>
  /** Calls the control API. */
  control(
    method: Dispatcher.HttpMethod,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }>
  close(): Promise<void>
}

/** Records of the stand-in CSV page: quoted values, one with an embedded newline and quotes. */
export const CSV_ROWS = 40

function csvPage(): string {
  let out = '"Id","Name","Description"\n'
  for (let i = 1; i <= CSV_ROWS; i++)
    out += `"001000000000${String(i).padStart(3, '0')}AAA","Account ${i}","line one\nline ""two"" of ${i}"\n`
  return out
}

/**
 * Starts the shell on 127.0.0.1 with `seed`.
 * @example const t = await startFaultTestApp('s'); await t.control('POST', '/__emulator/faults', { rules }); await t.close()
 */
export async function startFaultTestApp(
  seed: string,
  options: { tls?: { key: string; cert: string }; dispatcher?: Dispatcher } = {},
): Promise<FaultTestApp> {
  const { tls, dispatcher } = options
  const org = new EmulatorOrg({ port: 0, seed, records: {} })
  const app = await buildApp({ org, logLevel: 'fatal', ...(tls ? { tls } : {}) })
  const tokens = new Set<string>()
  let minted = 0
  await registerFaultRoutes(app, org)

  app.post('/services/oauth2/token', async (_req, reply) => {
    const token = `00D!test-token-${++minted}`
    tokens.add(token)
    return sendJson(reply, 200, { access_token: token, token_type: 'Bearer' })
  })
  app.addHook('onRequest', async (req) => {
    if (!req.url.startsWith('/services/data/')) return
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1]
    if (token === undefined || !tokens.has(token)) throw invalidSession()
  })
  app.get('/services/data/v62.0/query', async (_req, reply) =>
    sendJson(reply, 200, {
      totalSize: 1,
      done: true,
      records: [{ attributes: { type: 'Account' }, Name: 'A' }],
    }),
  )
  app.get('/services/data/v62.0/jobs/query/:id/results', async (req, reply) => {
    const { id } = req.params as { id: string }
    const page = csvPage()
    reply
      .code(200)
      .header('content-type', 'text/csv')
      .header('sforce-numberofrecords', String(CSV_ROWS))
      .header('sforce-locator', 'null')
    // 750S: streamed in small chunks like a page read from disk; others: one string.
    if (id.startsWith('750S')) {
      const bytes = Buffer.from(page)
      const chunks: Buffer[] = []
      for (let i = 0; i < bytes.length; i += 256) chunks.push(bytes.subarray(i, i + 256))
      return reply.send(Readable.from(chunks))
    }
    return reply.send(page)
  })

  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const baseUrl = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`

  return {
    org,
    app,
    baseUrl,
    async login() {
      const res = await app.inject({ method: 'POST', url: '/services/oauth2/token' })
      return res.json<{ access_token: string }>().access_token
    },
    async control(method, path, body) {
      const res = await request(`${baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${org.controlToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(dispatcher ? { dispatcher } : {}),
      })
      const text = await res.body.text()
      return { status: res.statusCode, body: text === '' ? undefined : (JSON.parse(text) as unknown) }
    },
    async close() {
      await app.close()
    },
  }
}
