import { test } from 'node:test'
import assert from 'node:assert/strict'
import { matchRestRoute, methodNotAllowed, type RestRoute } from './rest-call.ts'
import { apiVersions, parseApiVersion, releaseLabel } from './api-versions.ts'
import { requestedBatchSize } from './query-routes.ts'
import { parseReplicationDate } from './replication-routes.ts'

const ok = () => ({ status: 200 })
const ROUTES: RestRoute[] = [
  { method: 'GET', path: '', handler: ok },
  { method: 'GET', path: 'sobjects/:sobject/:id', handler: ok },
  { method: 'PATCH', path: 'sobjects/:sobject/:id', handler: ok },
  { method: 'GET', path: 'sobjects/:sobject/describe', handler: ok },
  { method: 'GET', path: 'sobjects/:sobject/:field/:value', handler: ok },
]

test('matchRestRoute prefers static segments, decodes params and reports other methods', () => {
  const describe = matchRestRoute(ROUTES, 'GET', 'sobjects/Account/describe')
  assert.ok(describe && 'route' in describe)
  assert.equal(describe.route.path, 'sobjects/:sobject/describe')
  const row = matchRestRoute(ROUTES, 'GET', 'sobjects/Account/001000000000001AAA/')
  assert.ok(row && 'route' in row)
  assert.deepEqual(row.params, { sobject: 'Account', id: '001000000000001AAA' })
  const ext = matchRestRoute(ROUTES, 'GET', 'sobjects/Account/Ext__c/a%2Fb%20c')
  assert.ok(ext && 'route' in ext)
  assert.deepEqual(ext.params, { sobject: 'Account', field: 'Ext__c', value: 'a/b c' })
  const root = matchRestRoute(ROUTES, 'GET', '')
  assert.ok(root && 'route' in root && root.route.path === '')
  assert.deepEqual(matchRestRoute(ROUTES, 'DELETE', 'sobjects/Account/001000000000001AAA'), {
    methodsAllowed: ['GET', 'PATCH'],
  })
  assert.equal(matchRestRoute(ROUTES, 'GET', 'nothing/here'), undefined)
  assert.equal(matchRestRoute(ROUTES, 'GET', 'sobjects//x'), undefined)
})

test('methodNotAllowed lists HEAD with GET', () => {
  const err = methodNotAllowed('PUT', ['GET', 'PATCH', 'DELETE'])
  assert.equal(err.status, 405)
  assert.equal(err.message, "HTTP Method 'PUT' not allowed. Allowed are GET,HEAD,PATCH,DELETE")
})

test('API versions run from v31.0 to v66.0 with release labels', () => {
  const versions = apiVersions()
  assert.equal(versions[0]?.version, '31.0')
  assert.equal(versions.at(-1)?.version, '66.0')
  assert.deepEqual(
    versions.find((v) => v.version === '50.0'),
    { label: "Winter '21", url: '/services/data/v50.0', version: '50.0' },
  )
  assert.equal(releaseLabel(31), "Summer '14")
  assert.equal(releaseLabel(48), "Spring '20")
  assert.equal(releaseLabel(52), "Summer '21")
  assert.equal(releaseLabel(65), "Winter '26")
  assert.equal(parseApiVersion('v51.0'), '51.0')
  assert.equal(parseApiVersion('v30.0'), undefined)
  assert.equal(parseApiVersion('v67.0'), undefined)
  assert.equal(parseApiVersion('v50'), undefined)
  assert.equal(parseApiVersion('latest'), undefined)
})

test('Sforce-Query-Options batchSize is clamped to 200..2000', () => {
  assert.equal(requestedBatchSize(undefined), undefined)
  assert.equal(requestedBatchSize('batchSize=500'), 500)
  assert.equal(requestedBatchSize('batchSize=10'), 200)
  assert.equal(requestedBatchSize('batchSize=99999'), 2000)
  assert.equal(requestedBatchSize('foo=1, batchSize = 300'), 300)
  assert.equal(requestedBatchSize('nonsense'), undefined)
})

test('replication dates accept ISO 8601 with offsets and refuse impossible dates', () => {
  assert.equal(parseReplicationDate('2026-01-02T03:04:05+00:00'), Date.UTC(2026, 0, 2, 3, 4, 5))
  assert.equal(parseReplicationDate('2026-01-02T03:04:05.678Z'), Date.UTC(2026, 0, 2, 3, 4, 5, 678))
  assert.equal(parseReplicationDate('2026-01-02T03:04:05-0130'), Date.UTC(2026, 0, 2, 4, 34, 5))
  assert.equal(parseReplicationDate('2026-01-02T03:04'), Date.UTC(2026, 0, 2, 3, 4))
  assert.equal(parseReplicationDate('2026-02-30T00:00:00Z'), undefined)
  assert.equal(parseReplicationDate('2026-01-02'), undefined)
  assert.equal(parseReplicationDate('yesterday'), undefined)
})
