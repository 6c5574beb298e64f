/**
 * API limits, end to end: a daily allocation set at start (`--daily-api-requests`), every counted call's
 * Sforce-Limit-Info agreeing with /limits, REQUEST_LIMIT_EXCEEDED once spent (also for Bulk calls), and
 * the DailyBulkApiBatches allocation refusing an upload once spent, with /limits saying so.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startEmulator, type RunningEmulator } from '../emulator.ts'

const V = 'v60.0'

async function token(emu: RunningEmulator): Promise<string> {
  const res = await fetch(`${emu.info.instanceUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: emu.info.consumerKey,
      client_secret: emu.info.consumerSecret,
    }).toString(),
  })
  return ((await res.json()) as { access_token: string }).access_token
}

function caller(emu: RunningEmulator, access: string) {
  return async (method: string, path: string, body?: string, type = 'application/json') => {
    const res = await fetch(`${emu.info.instanceUrl}/services/data/${V}${path}`, {
      method,
      headers: { authorization: `Bearer ${access}`, ...(body !== undefined ? { 'content-type': type } : {}) },
      ...(body !== undefined ? { body } : {}),
    })
    const text = await res.text()
    return { status: res.status, header: res.headers.get('sforce-limit-info'), text }
  }
}

test('a daily allocation set at start: the header and /limits agree call by call, then 403 REQUEST_LIMIT_EXCEEDED', async () => {
  const emu = await startEmulator({ seed: 'limits', records: { Account: 3 }, dailyApiRequests: 6 })
  try {
    const call = caller(emu, await token(emu))
    for (let i = 1; i <= 3; i++) {
      const limits = await call('GET', '/limits')
      assert.equal(limits.status, 200)
      // The /limits call itself is counted before it answers: both say the same number.
      assert.equal(limits.header, `api-usage=${i}/6`)
      const body = JSON.parse(limits.text) as { DailyApiRequests: { Max: number; Remaining: number } }
      assert.deepEqual(body.DailyApiRequests, { Max: 6, Remaining: 6 - i })
    }
    assert.equal(
      (await call('GET', `/query?q=${encodeURIComponent('SELECT Id FROM Account')}`)).header,
      'api-usage=4/6',
    )
    assert.equal((await call('GET', '/jobs/query')).header, 'api-usage=5/6', 'Bulk calls count too')
    assert.equal((await call('GET', '/sobjects')).status, 200)
    const refused = await call('GET', '/limits')
    assert.equal(refused.status, 403)
    assert.match(refused.text, /REQUEST_LIMIT_EXCEEDED/)
    assert.equal(refused.header, 'api-usage=6/6', 'a refused call is not counted')
    const bulkRefused = await call('GET', '/jobs/query')
    assert.equal(bulkRefused.status, 403)
    assert.match(bulkRefused.text, /REQUEST_LIMIT_EXCEEDED/)
  } finally {
    await emu.close()
  }
})

test('DailyBulkApiBatches: an upload past the allocation is refused, and /limits shows none remaining', async () => {
  const emu = await startEmulator({ seed: 'batch-limits', records: { Account: 3 } })
  try {
    const call = caller(emu, await token(emu))
    const control = await fetch(`${emu.info.controlUrl}/bulk/settings`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${emu.info.controlToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ dailyBatchLimit: 1 }),
    })
    assert.equal(control.status, 200)
    const newJob = async () => {
      const created = await call(
        'POST',
        '/jobs/ingest',
        JSON.stringify({ object: 'Account', operation: 'insert' }),
      )
      assert.equal(created.status, 200)
      return (JSON.parse(created.text) as { id: string }).id
    }
    const first = await newJob()
    assert.equal(
      (await call('PUT', `/jobs/ingest/${first}/batches`, 'Name\nOne\nTwo\n', 'text/csv')).status,
      201,
    )
    assert.equal(
      (await call('PATCH', `/jobs/ingest/${first}`, JSON.stringify({ state: 'UploadComplete' }))).status,
      200,
    )
    let state = ''
    for (let i = 0; i < 200 && state !== 'JobComplete'; i++) {
      state = (JSON.parse((await call('GET', `/jobs/ingest/${first}`)).text) as { state: string }).state
      if (state !== 'JobComplete') await new Promise((r) => setTimeout(r, 20))
    }
    assert.equal(state, 'JobComplete')
    const limits = JSON.parse((await call('GET', '/limits')).text) as Record<
      string,
      { Max: number; Remaining: number }
    >
    assert.deepEqual(limits.DailyBulkApiBatches, { Max: 1, Remaining: 0 })
    const second = await newJob()
    const refused = await call('PUT', `/jobs/ingest/${second}/batches`, 'Name\nThree\n', 'text/csv')
    assert.equal(refused.status, 400)
    assert.match(refused.text, /LIMIT_EXCEEDED/)
  } finally {
    await emu.close()
  }
})
