import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createLogger, isSecretKey, SecretValues } from './redacting-logger.ts'

function capture() {
  const lines: string[] = []
  return { lines, destination: { write: (s: string) => (lines.push(s), true) } }
}

test('redacts by key at any depth and by value anywhere, including messages and errors', () => {
  const secrets = new SecretValues()
  secrets.add('my-consumer-secret-value')
  const { lines, destination } = capture()
  const log = createLogger({ level: 'debug', secrets, destination })
  log.info(
    {
      connection: 'prod',
      request: {
        headers: { Authorization: 'Bearer abc123456' },
        body: { client_secret: 'x1', refresh_token: 'y1' },
      },
    },
    'token refreshed',
  )
  log.warn(
    `copied by mistake: my-consumer-secret-value and ${encodeURIComponent('my-consumer-secret-value')}`,
  )
  log.error({ err: new Error('failed with 00D5e0000003IfjEAE!AQ0AQabc.def_ghi') }, 'boom')
  log.debug({ note: 'a refresh token 5Aep861TOKENtokenTOKENtoken.x in free text' })
  const all = lines.join('')
  assert.equal(lines.length, 4)
  for (const leaked of [
    'abc123456',
    '"x1"',
    '"y1"',
    'my-consumer-secret-value',
    '00D5e0000003IfjEAE!AQ0',
    '5Aep861TOKEN',
  ])
    assert.equal(all.includes(leaked), false, leaked)
  assert.match(all, /"connection":"prod"/)
  assert.match(all, /token refreshed/)
  assert.match(all, /\[redacted\]/)
})

test('secret field names are recognised in every spelling', () => {
  for (const k of [
    'access_token',
    'accessToken',
    'Refresh-Token',
    'client_secret',
    'password',
    'authorization',
    'code_verifier',
    'device_code',
    'masterKey',
  ])
    assert.equal(isSecretKey(k), true, k)
  for (const k of ['connection', 'errorCode', 'status', 'userCode']) assert.equal(isSecretKey(k), false, k)
})
