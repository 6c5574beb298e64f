/**
 * Test fixture of the sync tests: an emulator with a seeded org, a connection made through the
 * client code (client credentials), a destination of the test's own (SQLite file or PostgreSQL
 * schema), and the org's truth read back through plain REST queryAll (not through our client).
 */
import { isolatedPgSchema, isolatedSqlitePath, databaseUrl, type TestContextLike } from '../isolation.ts'
import { controlClient, openTestClient, type TestClient } from '../salesforce/emulator-fixture.ts'
import { startEmulator, type RunningEmulator } from '../../../src/emulator/emulator.ts'
import { openDestination } from '../../../src/store/open-destination.ts'
import type { Destination } from '../../../src/store/destination.ts'
import type { SalesforceClient } from '../../../src/salesforce/salesforce-client.ts'

export type StoreKind = 'sqlite' | 'postgres'
export const STORE_KINDS: readonly StoreKind[] = ['sqlite', 'postgres']

export interface SyncTestOrg {
  readonly emulator: RunningEmulator
  readonly client: SalesforceClient
  readonly testClient: TestClient
  control(method: string, path: string, body?: unknown): Promise<unknown>
  counters(): Promise<Record<string, number>>
  /** Every record of `object` through REST queryAll (recycle bin included), keyed by Id. */
  orgRows(object: string, fields: readonly string[]): Promise<Map<string, Record<string, unknown>>>
}

export async function startSyncOrg(
  t: TestContextLike,
  records: Record<string, number>,
  seed = 'sync-tests',
): Promise<SyncTestOrg> {
  const emulator = await startEmulator({ port: 0, seed, records, logLevel: 'fatal' })
  t.after(() => emulator.close())
  const { info } = emulator
  const control = controlClient(info)
  const testClient = await openTestClient(t, { stateUrl: `sqlite:${isolatedSqlitePath(t)}.state` })
  await testClient.service.connect({
    name: 'emu',
    instanceUrl: info.instanceUrl,
    clientId: info.consumerKey,
    clientSecret: info.consumerSecret,
    flow: 'client_credentials',
    callbackUrl: 'http://localhost:1717/OauthRedirect',
  })
  const client = testClient.client('emu')
  let token: string | undefined
  const orgRows = async (object: string, fields: readonly string[]) => {
    token ??= (
      (await (
        await fetch(`${info.instanceUrl}/services/oauth2/token`, {
          method: 'POST',
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: info.consumerKey,
            client_secret: info.consumerSecret,
          }),
        })
      ).json()) as { access_token: string }
    ).access_token
    const out = new Map<string, Record<string, unknown>>()
    let url: string | undefined =
      `/services/data/v62.0/queryAll?q=${encodeURIComponent(`SELECT ${fields.join(', ')} FROM ${object}`)}`
    while (url) {
      const res = await fetch(`${info.instanceUrl}${url}`, { headers: { authorization: `Bearer ${token}` } })
      const body = (await res.json()) as {
        records: Record<string, unknown>[]
        nextRecordsUrl?: string
        done: boolean
      }
      if (res.status !== 200) throw new Error(`queryAll ${object}: ${res.status} ${JSON.stringify(body)}`)
      for (const r of body.records) out.set(String(r.Id), r)
      url = body.done ? undefined : body.nextRecordsUrl
    }
    return out
  }
  return {
    emulator,
    client,
    testClient,
    control,
    counters: async () => (await control('GET', '/counters')) as Record<string, number>,
    orgRows,
  }
}

/** A destination of the test's own; its URL too (for the CLI). */
export async function openTestDestination(
  t: TestContextLike,
  kind: StoreKind,
): Promise<{ dest: Destination; url: string; schema?: string }> {
  if (kind === 'sqlite') {
    const path = isolatedSqlitePath(t)
    const url = `sqlite:${path}`
    const dest = await openDestination(url)
    t.after(() => dest.close())
    return { dest, url }
  }
  const schema = await isolatedPgSchema(t)
  const url = databaseUrl()
  const dest = await openDestination(url, { schema })
  t.after(() => dest.close())
  return { dest, url, schema }
}
