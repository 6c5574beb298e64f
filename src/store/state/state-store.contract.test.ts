import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  databaseUrl,
  isolatedPgSchema,
  isolatedSqlitePath,
  type TestContextLike,
} from '../../../test/support/isolation.ts'
import { openStateStore } from './open-state-store.ts'
import type { ConnectionRecord, StateStore, TokenRecord } from './state-store.ts'
import { ConnectionExistsError, LockTimeoutError } from './state-errors.ts'

interface Flavour {
  readonly name: string
  /** Opens `count` independent stores on one fresh location (as separate processes would). */
  open(t: TestContextLike, count: number, lockTimeoutMs?: number): Promise<StateStore[]>
}

const FLAVOURS: Flavour[] = [
  {
    name: 'sqlite',
    async open(t, count, lockTimeoutMs = 10_000) {
      const path = isolatedSqlitePath(t)
      const out: StateStore[] = []
      for (let i = 0; i < count; i++)
        out.push(await openStateStore({ stateUrl: `sqlite:${path}`, stateSchema: 'unused', lockTimeoutMs }))
      return out
    },
  },
  {
    name: 'postgres',
    async open(t, count, lockTimeoutMs = 10_000) {
      const schema = await isolatedPgSchema(t)
      const out: StateStore[] = []
      for (let i = 0; i < count; i++)
        out.push(await openStateStore({ stateUrl: databaseUrl(), stateSchema: schema, lockTimeoutMs }))
      return out
    },
  },
]

function connection(name: string, over: Partial<ConnectionRecord> = {}): ConnectionRecord {
  return {
    name,
    instanceUrl: 'https://acme.my.salesforce.com',
    clientId: '3MVG9key',
    flow: 'client_credentials',
    secretSealed: 'v1.00000000.sealed-secret',
    refreshTokenSealed: null,
    apiUrl: 'https://acme.my.salesforce.com',
    orgId: '00D000000000001AAA',
    userId: '005000000000001AAA',
    username: 'integration@acme.com',
    identityUrl: 'https://acme.my.salesforce.com/id/00D000000000001AAA/005000000000001AAA',
    scopes: 'api',
    callbackUrl: '',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  }
}

function token(name: string, generation: number, over: Partial<TokenRecord> = {}): TokenRecord {
  return {
    connection: name,
    accessTokenSealed: `v1.00000000.access-${generation}`,
    issuedAtMs: 1000 * generation,
    checkedAtMs: 1000 * generation,
    generation,
    ...over,
  }
}

for (const flavour of FLAVOURS) {
  describe(`state store contract: ${flavour.name}`, () => {
    test('saves, reads, lists and deletes connections with their token', async (t) => {
      const [store] = await flavour.open(t, 1)
      assert.ok(store)
      t.after(() => store.close())
      await store.saveConnection(connection('prod'), token('prod', 1))
      await store.saveConnection(
        connection('dev', { flow: 'device', secretSealed: null, refreshTokenSealed: 'v1.00000000.rt' }),
        undefined,
      )
      assert.deepEqual(await store.getConnection('prod'), connection('prod'))
      assert.equal((await store.getConnection('dev'))?.refreshTokenSealed, 'v1.00000000.rt')
      assert.equal((await store.getConnection('dev'))?.secretSealed, null)
      assert.deepEqual(
        (await store.listConnections()).map((c) => c.name),
        ['dev', 'prod'],
      )
      assert.deepEqual(await store.getToken('prod'), token('prod', 1))
      assert.equal(await store.getToken('dev'), undefined)
      assert.equal(await store.deleteConnection('prod'), true)
      assert.equal(await store.deleteConnection('prod'), false)
      assert.equal(await store.getConnection('prod'), undefined)
      assert.equal(await store.getToken('prod'), undefined, 'the token goes with its connection')
    })

    test('refuses a taken name unless replacing, and leaves the old one intact', async (t) => {
      const [store] = await flavour.open(t, 1)
      assert.ok(store)
      t.after(() => store.close())
      await store.saveConnection(connection('prod'), token('prod', 1))
      await assert.rejects(
        store.saveConnection(connection('prod', { clientId: 'other' }), token('prod', 9)),
        ConnectionExistsError,
      )
      assert.equal((await store.getConnection('prod'))?.clientId, '3MVG9key')
      assert.equal((await store.getToken('prod'))?.generation, 1)
      await store.saveConnection(connection('prod', { clientId: 'other' }), token('prod', 2), {
        replace: true,
      })
      assert.equal((await store.getConnection('prod'))?.clientId, 'other')
      assert.equal((await store.getToken('prod'))?.generation, 2)
    })

    test('touchToken marks only the current generation', async (t) => {
      const [store] = await flavour.open(t, 1)
      assert.ok(store)
      t.after(() => store.close())
      await store.saveConnection(connection('prod'), token('prod', 3))
      await store.touchToken('prod', 2, 99_000)
      assert.equal((await store.getToken('prod'))?.checkedAtMs, 3000)
      await store.touchToken('prod', 3, 99_000)
      assert.equal((await store.getToken('prod'))?.checkedAtMs, 99_000)
    })

    test('withLock commits token and refresh token together, and rolls both back on failure', async (t) => {
      const [store] = await flavour.open(t, 1)
      assert.ok(store)
      t.after(() => store.close())
      await store.saveConnection(
        connection('prod', { refreshTokenSealed: 'v1.00000000.rt-1' }),
        token('prod', 1),
      )
      await assert.rejects(
        store.withLock('prod', async (tx) => {
          await tx.putToken(token('prod', 2))
          await tx.setRefreshToken('prod', 'v1.00000000.rt-2')
          throw new Error('the refresh failed half-way')
        }),
        /half-way/,
      )
      assert.equal((await store.getToken('prod'))?.generation, 1)
      assert.equal((await store.getConnection('prod'))?.refreshTokenSealed, 'v1.00000000.rt-1')
      const seen = await store.withLock('prod', async (tx) => {
        await tx.setRefreshToken('prod', 'v1.00000000.rt-2')
        await tx.putToken(token('prod', 2))
        return (await tx.getToken('prod'))?.generation
      })
      assert.equal(seen, 2, 'writes inside the lock are visible inside it')
      assert.equal((await store.getToken('prod'))?.generation, 2)
      assert.equal((await store.getConnection('prod'))?.refreshTokenSealed, 'v1.00000000.rt-2')
    })

    test('withLock excludes other stores on the same state (as other processes) and each sees the last write', async (t) => {
      const stores = await flavour.open(t, 3)
      t.after(() => Promise.all(stores.map((s) => s.close())))
      await stores[0]?.saveConnection(connection('prod'), token('prod', 0))
      let inside = 0
      let maxInside = 0
      // Each holder reads the generation, waits (as for an HTTP refresh), then writes generation + 1.
      await Promise.all(
        stores.flatMap((store) =>
          [0, 1].map(() =>
            store.withLock('prod', async (tx) => {
              inside++
              maxInside = Math.max(maxInside, inside)
              const current = (await tx.getToken('prod'))?.generation ?? -1
              await sleep(30)
              await tx.putToken(token('prod', current + 1))
              inside--
            }),
          ),
        ),
      )
      assert.equal(maxInside, 1, 'never two holders at once')
      assert.equal((await stores[1]?.getToken('prod'))?.generation, 6, 'no update was lost')
    })

    test('withLock gives up after the lock timeout with a LockTimeoutError', async (t) => {
      const [a, b] = await flavour.open(t, 2, 300)
      assert.ok(a && b)
      t.after(async () => {
        await a.close()
        await b.close()
      })
      await a.saveConnection(connection('prod'), token('prod', 1))
      let release!: () => void
      const held = new Promise<void>((r) => (release = r))
      let entered!: () => void
      const isIn = new Promise<void>((r) => (entered = r))
      const holder = a.withLock('prod', async () => {
        entered()
        await held
      })
      await isIn
      await assert.rejects(
        b.withLock('prod', async () => 'never'),
        LockTimeoutError,
      )
      release()
      await holder
      assert.equal(await b.withLock('prod', async () => 'now'), 'now')
    })
  })
}
