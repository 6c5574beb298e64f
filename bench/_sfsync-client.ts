/**
 * sfsync's client side for the benchmarks, built the way src/cli/cli-runtime.ts builds it: a state
 * store of the caller's choosing, a warn-level log on stderr, a connection made with client credentials
 * (the consumer secret encrypted like a user's), and the SalesforceClient the engine takes.
 */
import { randomBytes } from 'node:crypto'
import { openStateStore } from '../src/store/state/open-state-store.ts'
import { SecretBox } from '../src/secrets/secret-box.ts'
import { createLogger, SecretValues } from '../src/secrets/redacting-logger.ts'
import { HttpTransport } from '../src/salesforce/http-transport.ts'
import { OAuthEndpoints } from '../src/salesforce/oauth/oauth-endpoints.ts'
import { ConnectionService } from '../src/salesforce/connection-service.ts'
import { TokenManager } from '../src/salesforce/token-manager.ts'
import { SalesforceClient } from '../src/salesforce/salesforce-client.ts'

export interface BenchClientOptions {
  /** `sqlite:PATH` of a state store of the caller's own. */
  readonly stateUrl: string
  readonly instanceUrl: string
  readonly consumerKey: string
  readonly consumerSecret: string
  readonly apiVersion: string
  /** The fetch the client's transport uses (default: the global one). */
  readonly fetch?: typeof fetch
}

/** A connected client; `close` closes its state store. */
export async function connectBenchClient(
  o: BenchClientOptions,
): Promise<{ client: SalesforceClient; close: () => Promise<void> }> {
  const secrets = new SecretValues()
  const log = createLogger({ level: 'warn', secrets, destination: process.stderr })
  const store = await openStateStore({ stateUrl: o.stateUrl, stateSchema: 'sfsync', lockTimeoutMs: 30_000 })
  const box = new SecretBox(randomBytes(32))
  const http = new HttpTransport({ fetch: o.fetch ?? globalThis.fetch, log })
  const oauth = new OAuthEndpoints({ http, secrets })
  const service = new ConnectionService({ store, box, oauth, secrets, log })
  await service.connect({
    name: 'bench',
    instanceUrl: o.instanceUrl,
    clientId: o.consumerKey,
    clientSecret: o.consumerSecret,
    flow: 'client_credentials',
    callbackUrl: 'http://localhost:1717/OauthRedirect',
  })
  const client = new SalesforceClient({
    http,
    apiVersion: o.apiVersion,
    tokens: new TokenManager({ name: 'bench', store, box, oauth, secrets, log }),
  })
  return { client, close: () => store.close() }
}
