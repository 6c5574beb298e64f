/**
 * Starts the emulated org: builds the org, its records, its OAuth server and every route, listens on
 * 127.0.0.1, and returns what a client needs to reach it.
 * @example const emu = await startEmulator({ port: 0, seed: 's', records: { Account: 100 } }); await emu.close()
 */
import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.ts'
import { EmulatorOrg, type EmulatorOptions } from './org.ts'
import type { EmulatorContext } from './context.ts'
import { openSqliteOrgData } from './data/open-org-data.ts'
import { createOAuthServer } from './oauth/oauth-server.ts'
import { registerRestRoutes } from './rest/rest-routes.ts'
import { registerBulkRoutes } from './bulk/bulk-routes.ts'
import { registerControlRoutes } from './control/control-routes.ts'
import { registerFaultRoutes } from './faults/fault-routes.ts'
import { createEmulatorTls, type EmulatorTls } from './tls/emulator-tls.ts'
import { PinnableClock } from './activity/pinnable-clock.ts'
import { registerActivity, type OrgActivityParts } from './activity/activity-routes.ts'
import { registerSchemaRoutes } from './schema-io/schema-routes.ts'

/** The startup line's fields: everything a client needs (printed as one JSON line by `sfsync emulator`). */
export interface EmulatorInfo {
  readonly instanceUrl: string
  readonly loginUrl: string
  readonly consumerKey: string
  readonly consumerSecret: string
  readonly username: string
  readonly password: string
  readonly orgId: string
  readonly controlUrl: string
  readonly controlToken: string
  /** With `https`: the PEM of the self-signed certificate to trust (a CA for clients). */
  readonly certPath?: string
}

export interface RunningEmulator {
  readonly info: EmulatorInfo
  readonly org: EmulatorOrg
  readonly app: FastifyInstance
  /** The live activity and the change journal (activity/). */
  readonly live: OrgActivityParts
  close(): Promise<void>
}

export async function startEmulator(
  options: Partial<EmulatorOptions> & { logLevel?: string; https?: boolean } = {},
): Promise<RunningEmulator> {
  const resolved: EmulatorOptions = {
    port: options.port ?? 0,
    seed: options.seed ?? 'sfsync',
    records: options.records ?? {},
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.schemaDir ? { schemaDir: options.schemaDir } : {}),
    ...(options.activityRate !== undefined ? { activityRate: options.activityRate } : {}),
    ...(options.commitLagMs !== undefined ? { commitLagMs: options.commitLagMs } : {}),
    ...(options.dailyApiRequests !== undefined ? { dailyApiRequests: options.dailyApiRequests } : {}),
    ...(options.journalBaseline !== undefined ? { journalBaseline: options.journalBaseline } : {}),
  }
  // A clock the live activity can pin while it commits a lagged change (activity/pinnable-clock.ts).
  const clock = new PinnableClock()
  const org = new EmulatorOrg(resolved, clock)
  const data = await openSqliteOrgData(org)
  const oauth = createOAuthServer(org, data)
  const ctx: EmulatorContext = { org, data, sessions: oauth.sessions }
  const tls: EmulatorTls | undefined = options.https ? await createEmulatorTls(options.dataDir) : undefined
  const app = await buildApp({
    org,
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
    ...(tls ? { tls: { key: tls.key, cert: tls.cert } } : {}),
  })
  // Before every other route: its hook commits lagged activity before any request reads the org.
  const live = await registerActivity(app, org, data, clock, {
    ...(resolved.activityRate !== undefined ? { rate: resolved.activityRate } : {}),
    ...(resolved.commitLagMs !== undefined ? { commitLagMs: resolved.commitLagMs } : {}),
    ...(resolved.journalBaseline !== undefined ? { journalBaseline: resolved.journalBaseline } : {}),
  })
  await oauth.register(app, ctx)
  await registerRestRoutes(app, ctx)
  await registerBulkRoutes(app, ctx)
  await registerControlRoutes(app, ctx)
  await registerFaultRoutes(app, org)
  await registerSchemaRoutes(app, org, data, (sobject, ids) => live.journal.recordImages(sobject, ids))
  // The invalid-session fault revokes the session through the OAuth layer's token store when it has
  // one (TokenStore.revokeAccessToken); otherwise the injector refuses the token itself.
  const revoker = (oauth.sessions as { revokeAccessToken?: unknown }).revokeAccessToken
  if (typeof revoker === 'function')
    org.faults.setSessionRevoker((token) => {
      revoker.call(oauth.sessions, token)
    })
  try {
    await app.listen({ host: '127.0.0.1', port: resolved.port })
  } catch (err) {
    live.close()
    data.close()
    await tls?.cleanup()
    throw err
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : resolved.port
  const scheme = tls ? 'https' : 'http'
  org.instanceUrl = `${scheme}://127.0.0.1:${port}`
  org.loginUrl = `${scheme}://localhost:${port}`
  const info: EmulatorInfo = {
    instanceUrl: org.instanceUrl,
    loginUrl: org.loginUrl,
    consumerKey: oauth.app.consumerKey,
    consumerSecret: oauth.app.consumerSecret,
    username: org.adminUser.username,
    password: org.adminUser.password,
    orgId: org.orgId,
    controlUrl: `${org.instanceUrl}/__emulator`,
    controlToken: org.controlToken,
    ...(tls ? { certPath: tls.certPath } : {}),
  }
  let closed = false
  return {
    info,
    org,
    app,
    live,
    async close() {
      if (closed) return
      closed = true
      live.close()
      await app.close()
      data.close()
      await tls?.cleanup()
    },
  }
}
