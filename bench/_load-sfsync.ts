/**
 * sfsync's contestant of `bench/sync-load.ts`: the sync engine's initial load (`runSync`), in-process
 * in the worker, with the client side built the way src/cli/cli-runtime.ts builds it. Only the run is
 * timed: the connection (client-credentials token) is made before the clock starts.
 */
import { randomBytes } from 'node:crypto'
import { openDestination } from '../src/store/open-destination.ts'
import { openStateStore } from '../src/store/state/open-state-store.ts'
import { SecretBox } from '../src/secrets/secret-box.ts'
import { createLogger, SecretValues } from '../src/secrets/redacting-logger.ts'
import { HttpTransport } from '../src/salesforce/http-transport.ts'
import { OAuthEndpoints } from '../src/salesforce/oauth/oauth-endpoints.ts'
import { ConnectionService } from '../src/salesforce/connection-service.ts'
import { TokenManager } from '../src/salesforce/token-manager.ts'
import { SalesforceClient } from '../src/salesforce/salesforce-client.ts'
import { runSync } from '../src/sync/sync-engine.ts'
import { API_VERSION, type LoadTask, type LoadTiming } from './_load-contestants.ts'

/** Loads the task's object with sfsync's engine into a fresh destination; the rows are counted back. */
export async function sfsyncLoad(task: LoadTask): Promise<LoadTiming> {
  // The client side as src/cli/cli-runtime.ts builds it (warn-level log on stderr), on a state store
  // of the worker's own; the connection is made before the clock starts.
  const secrets = new SecretValues()
  const log = createLogger({ level: 'warn', secrets, destination: process.stderr })
  const store = await openStateStore({
    stateUrl: `sqlite:${task.scratch}/state.sqlite`,
    stateSchema: 'sfsync',
    lockTimeoutMs: 30_000,
  })
  const box = new SecretBox(randomBytes(32))
  const http = new HttpTransport({ fetch: globalThis.fetch, log })
  const oauth = new OAuthEndpoints({ http, secrets })
  const service = new ConnectionService({ store, box, oauth, secrets, log })
  await service.connect({
    name: 'bench',
    instanceUrl: task.instanceUrl,
    clientId: task.consumerKey,
    clientSecret: task.consumerSecret,
    flow: 'client_credentials',
    callbackUrl: 'http://localhost:1717/OauthRedirect',
  })
  const client = new SalesforceClient({
    http,
    apiVersion: API_VERSION,
    tokens: new TokenManager({ name: 'bench', store, box, oauth, secrets, log }),
  })
  const dest =
    task.target.kind === 'sqlite'
      ? await openDestination(`sqlite:${task.target.path}`)
      : await openDestination(task.target.url, { schema: task.target.schema })
  const t0 = performance.now()
  let firstRowMs = 0
  const result = await runSync({
    client,
    dest,
    selection: { objects: [task.object] },
    onEvent: (e) => {
      if (e.type === 'rows' && firstRowMs === 0 && e.rows > 0) firstRowMs = performance.now() - t0
    },
  })
  const ms = performance.now() - t0
  const o = result.objects[0]
  if (result.error || !o || o.status !== 'synced' || o.phase !== 'load')
    throw new Error(
      `sfsync run did not load ${task.object}: ${result.error?.message ?? o?.error?.message ?? JSON.stringify(o)}`,
    )
  const rows = await dest.countRows(task.object, { includeDeleted: true })
  await dest.close()
  await store.close()
  return {
    ms,
    firstRowMs,
    rows,
    note: `strategy ${o.strategy}, ${o.apiCalls} API calls, rowsWritten ${o.rowsWritten}`,
  }
}
