import { after, before, beforeEach, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createSign, generateKeyPairSync } from 'node:crypto'
import { startOAuthTestServer, type OAuthTestServer } from './oauth-test-server.ts'
import { JWT_BEARER_GRANT } from './jwt-bearer-grant.ts'

/** A self-signed certificate (public material only), to check that certificate uploads are accepted. */
const CERTIFICATE = [
  '-----BEGIN CERTIFICATE-----',
  'MIIDITCCAgmgAwIBAgIUAWr4FieQC0ZSHFVLWPsLitv2mzYwDQYJKoZIhvcNAQEL',
  'BQAwHzEdMBsGA1UEAwwUc2ZzeW5jLWVtdWxhdG9yLXRlc3QwIBcNMjYxMTI5MDg0',
  'MzA1WhgPMjEyNjExMDUwODQzMDVaMB8xHTAbBgNVBAMMFHNmc3luYy1lbXVsYXRv',
  'ci10ZXN0MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAmbQqeQHQ9bod',
  'PUMjvuTIJC/+W7NB+AlHSEbgQu+LQgHcSS2U7FoVI7Yb9D1ITFvFMnyhEE+/Rz8X',
  'gd3S4/368SFhCzUvQMpG4f7zF9juPI6061oSE/LviYqe/q2jS2t4pHP8wUh6nIS1',
  'EF5GMvWXWBywU69GWeR/5ee+yJaUPXVtVC2g/mn3x23vD31vqvUowHWi92errEXG',
  '+QmmCYgHEQ4VWZkc0bWs1BHIKRm3Ljkvyqq6r38lS2OAS1S2L+iN8B8qlZjNC5ci',
  'CfwkjvzXjcqxzgivpt41g2Oyh1a+OLt5gEEZO9q/jLNhOQCYkHgZNY6tBOrE6iVl',
  'jbzfPwNxDQIDAQABo1MwUTAdBgNVHQ4EFgQUbAyqBsq1gRFqzra03YqZGI84KnEw',
  'HwYDVR0jBBgwFoAUbAyqBsq1gRFqzra03YqZGI84KnEwDwYDVR0TAQH/BAUwAwEB',
  '/zANBgkqhkiG9w0BAQsFAAOCAQEAAbI/+MZ38scFB9NtXUkPMtjJaVcww3FSZcv9',
  'XI0kmGSSEVWAakIMGDus+Im/EAPkxYj9lYztkNiAKxGRhABOPqlifgMopOOLI09L',
  'x3ElRJV7ejtZyRtOwRSaaCgAWTC8ZJgpb51uU4hVP2E4FQHNYPv+e2dL8ZiA/bf7',
  'o6RPWDCQB/JZm8Wj3x04O+CFWm2DIPwaWD+ea9BSa+u33mielJDASAPqmrCTx8KH',
  '8hwqSbKX3V3iY+mX8SvGX5N98fGNR2In2O5pWrbHCxmLVfP3SzddTeMEcMMP8cay',
  'G3Ig73En7eIYEOKKDFhjAecPOH2BqAo17jKsmdScSErILu60LA==',
  '-----END CERTIFICATE-----',
].join('\n')

describe('JWT bearer grant (Use Digital Signatures)', () => {
  let emu: OAuthTestServer
  let defaults: Record<string, unknown>
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const publicPem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString()

  before(async () => {
    emu = await startOAuthTestServer()
    defaults = (
      (await emu.control('GET', '/__emulator/connected-app')).body as { settings: Record<string, unknown> }
    ).settings
  })
  beforeEach(async () => {
    await emu.control('PUT', '/__emulator/connected-app', {
      ...defaults,
      useDigitalSignatures: true,
      certificate: publicPem,
      scopes: ['api', 'refresh_token'],
    })
  })
  after(async () => {
    await emu.close()
  })

  const assertion = (claims: Record<string, unknown>, key = keys.privateKey) => {
    const head = Buffer.from(JSON.stringify({ alg: 'RS256' })).toString('base64url')
    const body = Buffer.from(
      JSON.stringify({
        iss: emu.consumerKey,
        sub: emu.org.adminUser.username,
        aud: emu.loginUrl,
        exp: Math.floor(emu.org.clock.now() / 1000) + 180,
        ...claims,
      }),
    ).toString('base64url')
    const sig = createSign('RSA-SHA256').update(`${head}.${body}`).sign(key).toString('base64url')
    return `${head}.${body}.${sig}`
  }
  const grant = (a: string) => emu.token(emu.loginUrl, { grant_type: JWT_BEARER_GRANT, assertion: a })

  test('admin pre-authorized users get a token (no refresh token), as sf org login jwt needs', async () => {
    await emu.control('PATCH', '/__emulator/connected-app', { permittedUsers: 'adminApproved' })
    // sfdx-core sends exp in milliseconds; a trailing slash on aud is fine.
    const res = await grant(assertion({ exp: emu.org.clock.now() + 300, aud: `${emu.loginUrl}/` }))
    assert.equal(res.status, 200)
    assert.equal(res.body.refresh_token, undefined)
    assert.equal(res.body.scope, 'api')
    assert.equal(res.body.id, `${emu.loginUrl}/id/${emu.org.orgId}/${emu.org.adminUser.id}`)
    assert.ok(emu.oauth.sessions.resolve(String(res.body.access_token)))
    assert.ok(emu.org.counters.get(`oauth.token.${JWT_BEARER_GRANT}`) >= 1)
  })

  test('self-authorizing users must have approved the app before', async () => {
    assert.deepEqual((await grant(assertion({}))).body, {
      error: 'invalid_grant',
      error_description: "user hasn't approved this consumer",
    })
  })

  test('bad signature, wrong audience, past exp, unknown issuer, digital signatures off', async () => {
    await emu.control('PATCH', '/__emulator/connected-app', { permittedUsers: 'adminApproved' })
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
    assert.equal((await grant(assertion({}, other))).body.error_description, 'invalid assertion')
    assert.deepEqual((await grant(assertion({ aud: 'https://evil.example' }))).body, {
      error: 'invalid_grant',
      error_description: 'Audience validation failed',
    })
    assert.equal((await grant(assertion({ aud: 'https://login.salesforce.com' }))).status, 200)
    assert.equal((await grant(assertion({ exp: 1000 }))).body.error_description, 'invalid assertion')
    assert.equal((await grant(assertion({ iss: '3MVG9nobody' }))).body.error, 'invalid_client_id')
    await emu.control('PATCH', '/__emulator/connected-app', { useDigitalSignatures: false })
    assert.equal((await grant(assertion({}))).body.error_description, 'invalid assertion')
  })

  test('the control API accepts an X.509 certificate and refuses what is not one', async () => {
    const ok = await emu.control('PATCH', '/__emulator/connected-app', { certificate: CERTIFICATE })
    assert.equal(ok.status, 200)
    const bad = await emu.control('PATCH', '/__emulator/connected-app', { certificate: 'not a pem' })
    assert.equal(bad.status, 400)
    assert.match(JSON.stringify(bad.body), /certificate/)
  })
})
