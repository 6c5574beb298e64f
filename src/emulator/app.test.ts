import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startEmulator, type RunningEmulator } from './emulator.ts'

let emu: RunningEmulator
before(async () => {
  emu = await startEmulator({ seed: 'app-shell', records: { Account: 3 }, logLevel: 'fatal' })
})
after(async () => {
  await emu.close()
})

test("a malformed multipart body is the client's error (400), not a crash", async () => {
  const res = await fetch(`${emu.info.instanceUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'multipart/form-data; boundary=XYZ' },
    body: '--XYZ\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nclient_cred',
  })
  assert.equal(res.status, 400)
  const body = (await res.json()) as Array<{ errorCode: string; message: string }>
  assert.equal(body[0]?.errorCode, 'INVALID_REQUEST')
  assert.match(body[0]?.message ?? '', /multipart/)
})

test('a URI over 16,384 bytes gets 414 in the API error shape', async () => {
  const res = await fetch(`${emu.info.instanceUrl}/services/data/v66.0/query?q=${'x'.repeat(16_400)}`)
  assert.equal(res.status, 414)
  const body = (await res.json()) as Array<{ errorCode: string }>
  assert.equal(body[0]?.errorCode, 'URI_TOO_LONG')
})

test('an unknown path gets 404 NOT_FOUND', async () => {
  const res = await fetch(`${emu.info.instanceUrl}/no/such/thing`)
  assert.equal(res.status, 404)
  assert.equal(res.headers.get('content-type'), 'application/json;charset=UTF-8')
  assert.deepEqual(await res.json(), [
    { message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' },
  ])
})

test('the control API refuses a wrong token and accepts the right one', async () => {
  const wrong = await fetch(`${emu.info.controlUrl}/counters`, { headers: { authorization: 'Bearer nope' } })
  assert.equal(wrong.status, 401)
  const right = await fetch(`${emu.info.controlUrl}/counters`, {
    headers: { authorization: `Bearer ${emu.info.controlToken}` },
  })
  assert.equal(right.status, 200)
  const counters = (await right.json()) as Record<string, number>
  assert.equal(typeof counters, 'object')
})

test('the control API switches a user\'s "API Enabled" off, and REST then refuses that user', async () => {
  const control = (path: string, body: unknown) =>
    fetch(`${emu.info.controlUrl}${path}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${emu.info.controlToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  assert.equal((await control('/users/nobody@example.com', { apiEnabled: false })).status, 404)
  assert.equal((await control(`/users/${emu.info.username}`, { apiEnabled: 'no' })).status, 400)
  assert.equal((await control(`/users/${emu.info.username}`, { admin: true })).status, 400)

  const tokenRes = await fetch(`${emu.info.instanceUrl}/services/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: emu.info.consumerKey,
      client_secret: emu.info.consumerSecret,
    }),
  })
  const { access_token: token } = (await tokenRes.json()) as { access_token: string }
  const query = () =>
    fetch(`${emu.info.instanceUrl}/services/data/v66.0/query?q=SELECT+Id+FROM+Account`, {
      headers: { authorization: `Bearer ${token}` },
    })
  assert.equal((await query()).status, 200)
  const off = await control('/users/integration@sfsync-emulator.example', { apiEnabled: false })
  assert.equal(off.status, 200)
  assert.deepEqual(await off.json(), {
    username: 'integration@sfsync-emulator.example',
    isActive: true,
    apiEnabled: false,
  })
  const refused = await query()
  assert.equal(refused.status, 403)
  const body = (await refused.json()) as Array<{ errorCode: string }>
  assert.equal(body[0]?.errorCode, 'API_DISABLED_FOR_ORG')
  await control('/users/integration@sfsync-emulator.example', { apiEnabled: true })
  assert.equal((await query()).status, 200)
})
