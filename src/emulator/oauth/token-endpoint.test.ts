import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { startOAuthTestServer, type OAuthTestServer } from './oauth-test-server.ts'

const ACCESS_TOKEN_SHAPE = /^00D[A-Za-z0-9]{12}![A-Za-z0-9._]+$/

describe('token endpoint: client credentials, password and the common rules', () => {
  let emu: OAuthTestServer
  before(async () => {
    emu = await startOAuthTestServer()
  })
  after(async () => {
    await emu.close()
  })

  const cc = (extra: Record<string, string> = {}) => ({
    grant_type: 'client_credentials',
    client_id: emu.consumerKey,
    client_secret: emu.consumerSecret,
    ...extra,
  })

  test('consumer key and secret have Salesforce shapes and derive from the seed', async () => {
    assert.match(emu.consumerKey, /^3MVG9[A-Za-z0-9._]{80}$/)
    assert.match(emu.consumerSecret, /^[A-Za-z0-9]{64}$/)
    const again = await startOAuthTestServer()
    const other = await startOAuthTestServer('another-seed')
    try {
      assert.equal(again.consumerKey, emu.consumerKey)
      assert.equal(again.consumerSecret, emu.consumerSecret)
      assert.notEqual(other.consumerKey, emu.consumerKey)
    } finally {
      await again.close()
      await other.close()
    }
  })

  test('client_credentials on My Domain returns the run-as user token, signed, without expires_in', async () => {
    const before = emu.org.counters.get('oauth.token.client_credentials')
    const { status, body } = await emu.token(emu.instanceUrl, cc())
    assert.equal(status, 200)
    assert.match(String(body.access_token), ACCESS_TOKEN_SHAPE)
    assert.equal(String(body.access_token).slice(0, 15), emu.org.orgId.slice(0, 15))
    assert.equal(body.refresh_token, undefined)
    assert.equal(body.expires_in, undefined)
    assert.equal(body.instance_url, emu.instanceUrl)
    assert.equal(body.token_type, 'Bearer')
    assert.equal(body.scope, 'full')
    const integration = emu.org.userByUsername('integration@sfsync-emulator.example')
    assert.equal(body.id, `${emu.instanceUrl}/id/${emu.org.orgId}/${integration?.id}`)
    assert.match(String(body.issued_at), /^\d{13}$/)
    const expected = createHmac('sha256', emu.consumerSecret)
      .update(String(body.id) + String(body.issued_at))
      .digest('base64')
    assert.equal(body.signature, expected)
    assert.equal(emu.org.counters.get('oauth.token.client_credentials'), before + 1)
    const session = emu.oauth.sessions.resolve(String(body.access_token))
    assert.equal(session?.userId, integration?.id)
    assert.equal(session?.clientId, emu.consumerKey)
  })

  test('client credentials in HTTP Basic, in multipart and in the query string are accepted', async () => {
    const basic = Buffer.from(`${emu.consumerKey}:${emu.consumerSecret}`).toString('base64')
    const viaBasic = await emu.token(
      emu.instanceUrl,
      { grant_type: 'client_credentials' },
      { authorization: `Basic ${basic}` },
    )
    assert.equal(viaBasic.status, 200)
    assert.ok(viaBasic.body.access_token)

    const form = new FormData()
    for (const [k, v] of Object.entries(cc())) form.append(k, v)
    const multipart = await fetch(`${emu.instanceUrl}/services/oauth2/token`, { method: 'POST', body: form })
    assert.equal(multipart.status, 200)
    assert.match(
      String(((await multipart.json()) as Record<string, unknown>).access_token),
      ACCESS_TOKEN_SHAPE,
    )

    const query = new URLSearchParams(cc()).toString()
    const viaQuery = await fetch(`${emu.instanceUrl}/services/oauth2/token?${query}`, { method: 'POST' })
    assert.equal(viaQuery.status, 200)
  })

  test('client_credentials on the login host is refused', async () => {
    const { status, body } = await emu.token(emu.loginUrl, cc())
    assert.equal(status, 400)
    assert.deepEqual(body, {
      error: 'invalid_grant',
      error_description: 'request not supported on this domain',
    })
  })

  test('wrong secret, unknown client and missing secret', async () => {
    const wrong = await emu.token(emu.instanceUrl, cc({ client_secret: 'nope' }))
    assert.deepEqual(
      [wrong.status, wrong.body],
      [400, { error: 'invalid_client', error_description: 'invalid client credentials' }],
    )
    const unknown = await emu.token(emu.instanceUrl, cc({ client_id: '3MVG9unknown' }))
    assert.deepEqual(
      [unknown.status, unknown.body],
      [400, { error: 'invalid_client_id', error_description: 'client identifier invalid' }],
    )
    const missing = await emu.token(emu.instanceUrl, {
      grant_type: 'client_credentials',
      client_id: emu.consumerKey,
    })
    assert.equal(missing.body.error, 'invalid_client')
  })

  test('client credentials off, or no run-as user: no client credentials user enabled', async () => {
    for (const patch of [{ clientCredentialsEnabled: false }, { runAsUsername: null }]) {
      const changed = await emu.control('PATCH', '/__emulator/connected-app', patch)
      assert.equal(changed.status, 200)
      const { status, body } = await emu.token(emu.instanceUrl, cc())
      assert.deepEqual(
        [status, body],
        [400, { error: 'invalid_grant', error_description: 'no client credentials user enabled' }],
      )
      await emu.control('PATCH', '/__emulator/connected-app', {
        clientCredentialsEnabled: true,
        runAsUsername: 'integration@sfsync-emulator.example',
      })
    }
    assert.equal((await emu.token(emu.instanceUrl, cc())).status, 200)
  })

  test('the password flow is off by default and answers authentication failure', async () => {
    const admin = emu.org.adminUser
    const params = { ...cc(), grant_type: 'password', username: admin.username, password: admin.password }
    const off = await emu.token(emu.loginUrl, params)
    assert.deepEqual(
      [off.status, off.body],
      [400, { error: 'invalid_grant', error_description: 'authentication failure' }],
    )
    await emu.control('PATCH', '/__emulator/connected-app', { passwordFlowEnabled: true })
    try {
      const on = await emu.token(emu.loginUrl, params)
      assert.equal(on.status, 200)
      assert.equal(on.body.id, `${emu.loginUrl}/id/${emu.org.orgId}/${admin.id}`)
      assert.equal(on.body.refresh_token, undefined)
      const bad = await emu.token(emu.loginUrl, { ...params, password: 'wrong' })
      assert.equal(bad.body.error_description, 'authentication failure')
    } finally {
      await emu.control('PATCH', '/__emulator/connected-app', { passwordFlowEnabled: false })
    }
  })

  test('unknown or missing grant types, and GET, answer unsupported_grant_type', async () => {
    const unknown = await emu.token(emu.instanceUrl, { ...cc(), grant_type: 'magic' })
    assert.deepEqual(
      [unknown.status, unknown.body],
      [400, { error: 'unsupported_grant_type', error_description: 'grant type not supported' }],
    )
    const none = await emu.token(emu.instanceUrl, { client_id: emu.consumerKey })
    assert.equal(none.body.error, 'unsupported_grant_type')
    const get = await fetch(`${emu.instanceUrl}/services/oauth2/token`)
    assert.equal(get.status, 400)
    assert.equal(((await get.json()) as Record<string, unknown>).error, 'unsupported_grant_type')
    assert.ok(emu.org.counters.get('oauth.token.unsupported') >= 3)
  })

  test('format=urlencoded answers form-encoded', async () => {
    const res = await fetch(`${emu.instanceUrl}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(cc({ format: 'urlencoded' })).toString(),
    })
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /x-www-form-urlencoded/)
    const body = new URLSearchParams(await res.text())
    assert.match(body.get('access_token') ?? '', ACCESS_TOKEN_SHAPE)
    assert.equal(body.get('token_type'), 'Bearer')
  })
})
