import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Connection } from 'jsforce'
import { startEmulator, type RunningEmulator } from '../emulator.ts'
import { authorizeWithBrowser, FormBrowser } from './oauth-test-server.ts'
import { LOOPBACK_CALLBACK_URL } from './connected-app.ts'

describe('OAuth on the whole emulator: sessions as REST sees them', () => {
  let emu: RunningEmulator
  const control = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${emu.info.controlUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${emu.info.controlToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    assert.equal(res.status, 200, await res.clone().text())
  }
  before(async () => {
    emu = await startEmulator({ seed: 'oauth-emulator-test', records: { Account: 3 } })
  })
  after(async () => {
    await emu.close()
  })

  test('a timed-out session gets 401 from REST and jsforce refreshes and replays with the refresh token', async () => {
    await control('PATCH', '/connected-app', { scopes: ['api', 'refresh_token'], sessionTimeoutSeconds: 900 })
    const conn = new Connection({
      oauth2: {
        loginUrl: emu.info.loginUrl,
        clientId: emu.info.consumerKey,
        clientSecret: emu.info.consumerSecret,
        redirectUri: LOOPBACK_CALLBACK_URL,
      },
      version: '60.0',
    })
    const login = { username: emu.info.username, password: emu.info.password }
    const location = await authorizeWithBrowser(new FormBrowser(), conn.oauth2.getAuthorizationUrl({}), login)
    await conn.authorize(new URL(location).searchParams.get('code') ?? '')
    assert.equal((await conn.query('SELECT Id FROM Account')).totalSize, 3)
    const first = conn.accessToken
    let refreshed = 0
    conn.on('refresh', () => refreshed++)

    await control('POST', '/clock/advance', { seconds: 901 })
    const raw = await fetch(`${emu.info.instanceUrl}/services/data/v60.0/query?q=SELECT+Id+FROM+Account`, {
      headers: { authorization: `Bearer ${first}` },
    })
    assert.equal(raw.status, 401)
    assert.equal((await conn.query('SELECT Id FROM Account')).totalSize, 3)
    assert.equal(refreshed, 1)
    assert.notEqual(conn.accessToken, first)
  })

  test('client credentials against the My Domain reach REST as the run-as user', async () => {
    const conn = new Connection({
      oauth2: {
        loginUrl: emu.info.instanceUrl,
        clientId: emu.info.consumerKey,
        clientSecret: emu.info.consumerSecret,
      },
      version: '60.0',
    })
    const userInfo = await conn.authorize({ grant_type: 'client_credentials' })
    assert.equal(userInfo.id, emu.org.userByUsername('integration@sfsync-emulator.example')?.id)
    assert.equal((await conn.query('SELECT Id FROM Account')).totalSize, 3)
  })
})
