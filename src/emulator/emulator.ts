/**
 * Starts the emulated org: builds the org, its records, its OAuth server and every route, listens on
 * 127.0.0.1, and returns what a client needs to reach it.
 * @example const emu = await startEmulator({ port: 0, seed: 's', records: { Account: 100 } }); await emu.close()
 */
import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.ts'
import { EmulatorOrg, type EmulatorOptions } from './org.ts'
import type { EmulatorContext } from './context.ts'
import { openOrgData } from './data/open-org-data.ts'
import { createOAuthServer } from './oauth/oauth-server.ts'
import { registerRestRoutes } from './rest/rest-routes.ts'
import { registerBulkRoutes } from './bulk/bulk-routes.ts'
import { registerControlRoutes } from './control/control-routes.ts'

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
}

export interface RunningEmulator {
  readonly info: EmulatorInfo
  readonly org: EmulatorOrg
  readonly app: FastifyInstance
  close(): Promise<void>
}

export async function startEmulator(
  options: Partial<EmulatorOptions> & { logLevel?: string } = {},
): Promise<RunningEmulator> {
  const resolved: EmulatorOptions = {
    port: options.port ?? 0,
    seed: options.seed ?? 'sfsync',
    records: options.records ?? {},
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
  }
  const org = new EmulatorOrg(resolved)
  const data = await openOrgData(org)
  const oauth = createOAuthServer(org, data)
  const ctx: EmulatorContext = { org, data, sessions: oauth.sessions }
  const app = await buildApp({ org, ...(options.logLevel ? { logLevel: options.logLevel } : {}) })
  await oauth.register(app, ctx)
  await registerRestRoutes(app, ctx)
  await registerBulkRoutes(app, ctx)
  await registerControlRoutes(app, ctx)
  try {
    await app.listen({ host: '127.0.0.1', port: resolved.port })
  } catch (err) {
    data.close()
    throw err
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : resolved.port
  org.instanceUrl = `http://127.0.0.1:${port}`
  org.loginUrl = `http://localhost:${port}`
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
  }
  let closed = false
  return {
    info,
    org,
    app,
    async close() {
      if (closed) return
      closed = true
      await app.close()
      data.close()
    },
  }
}
