/**
 * The composition root of the connection commands (STYLE.md §6.4): resolves the config once, builds the
 * logger, state store, secret box, HTTP layer and services, and closes them again. Commands receive a
 * Runtime and never read the environment themselves.
 */
import { createWriteStream } from 'node:fs'
import type { Logger } from 'pino'
import { resolveProcessConfig, type ConfigFlags, type ResolvedConfig } from '../config/config.ts'
import { createLogger, SecretValues } from '../secrets/redacting-logger.ts'
import { SecretBox } from '../secrets/secret-box.ts'
import { loadMasterKey } from '../secrets/master-key.ts'
import { openStateStore } from '../store/state/open-state-store.ts'
import type { StateStore } from '../store/state/state-store.ts'
import { HttpTransport } from '../salesforce/http-transport.ts'
import { OAuthEndpoints } from '../salesforce/oauth/oauth-endpoints.ts'
import { ConnectionService } from '../salesforce/connection-service.ts'
import { TokenManager } from '../salesforce/token-manager.ts'
import { SalesforceClient } from '../salesforce/salesforce-client.ts'

export interface Runtime {
  readonly config: ResolvedConfig
  readonly secrets: SecretValues
  readonly log: Logger
  readonly store: StateStore
  readonly box: SecretBox
  readonly http: HttpTransport
  readonly oauth: OAuthEndpoints
  readonly connections: ConnectionService
  /** An authenticated client of one stored connection. */
  client(name: string): SalesforceClient
  close(): Promise<void>
}

/** Builds everything a command needs. `fetch` can be swapped (tests, proxies). */
export async function openRuntime(
  flags: ConfigFlags,
  edges: { fetch?: typeof fetch } = {},
): Promise<Runtime> {
  const config = resolveProcessConfig(flags)
  const secrets = new SecretValues()
  secrets.add(config.secrets.masterKey)
  secrets.add(config.secrets.clientSecret)
  const destination = config.logFile
    ? createWriteStream(config.logFile, { flags: 'a', mode: 0o600 })
    : process.stderr
  const log = createLogger({ level: config.logLevel, secrets, destination })
  const store = await openStateStore(config)
  let box: SecretBox
  try {
    const { key } = loadMasterKey({ masterKey: config.secrets.masterKey, home: config.home })
    secrets.add(key.toString('base64'))
    box = new SecretBox(key)
  } catch (err) {
    await store.close()
    throw err
  }
  const http = new HttpTransport({
    fetch: edges.fetch ?? globalThis.fetch,
    log,
    maxRetries: config.httpMaxRetries,
    timeoutMs: config.httpTimeoutMs,
  })
  const oauth = new OAuthEndpoints({ http, secrets })
  const connections = new ConnectionService({ store, box, oauth, secrets, log })
  return {
    config,
    secrets,
    log,
    store,
    box,
    http,
    oauth,
    connections,
    client: (name) =>
      new SalesforceClient({
        http,
        apiVersion: config.apiVersion,
        tokens: new TokenManager({ name, store, box, oauth, secrets, log }),
      }),
    async close() {
      await store.close()
      if (destination !== process.stderr)
        await new Promise<void>((r) => (destination as NodeJS.WritableStream).end(() => r()))
    },
  }
}
