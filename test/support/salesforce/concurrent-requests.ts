/**
 * Test helper run as a separate process: waits until a given moment, then sends N concurrent API calls
 * through one connection of a shared state store, and prints how they ended as one JSON line.
 * Arguments: <stateUrl> <stateSchema> <connection> <count> <startAtMs>; the master key (hex) comes in
 * TEST_MASTER_KEY_HEX, never as an argument (arguments are visible to every user through `ps`).
 */
import { openStateStore } from '../../../src/store/state/open-state-store.ts'
import { SecretBox } from '../../../src/secrets/secret-box.ts'
import { createLogger, SecretValues } from '../../../src/secrets/redacting-logger.ts'
import { HttpTransport } from '../../../src/salesforce/http-transport.ts'
import { OAuthEndpoints } from '../../../src/salesforce/oauth/oauth-endpoints.ts'
import { TokenManager } from '../../../src/salesforce/token-manager.ts'
import { SalesforceClient } from '../../../src/salesforce/salesforce-client.ts'

const [stateUrl = '', stateSchema = 'sfsync', name = '', count = '20', startAt = '0'] = process.argv.slice(2)
const keyHex = process.env.TEST_MASTER_KEY_HEX ?? ''
const store = await openStateStore({ stateUrl, stateSchema, lockTimeoutMs: 30_000 })
const secrets = new SecretValues()
const log = createLogger({ level: 'warn', secrets })
const box = new SecretBox(Buffer.from(keyHex, 'hex'))
const http = new HttpTransport({ fetch: globalThis.fetch, log, maxRetries: 2 })
const oauth = new OAuthEndpoints({ http, secrets })
const client = new SalesforceClient({
  http,
  apiVersion: '62.0',
  tokens: new TokenManager({ name, store, box, oauth, secrets, log }),
})
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())))
const results = await Promise.allSettled(
  Array.from({ length: Number(count) }, () => client.json('GET', client.dataPath(''))),
)
await store.close()
process.stdout.write(
  `${JSON.stringify({ fulfilled: results.filter((r) => r.status === 'fulfilled').length, errors: results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : [])) })}\n`,
)
