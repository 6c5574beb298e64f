import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { chmodSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { isolatedDir } from '../../test/support/isolation.ts'
import { SecretBox, SecretKeyMismatchError } from './secret-box.ts'
import { loadMasterKey, parseMasterKey } from './master-key.ts'

test('seal/open round-trips, never repeats a ciphertext, and hides the plaintext', () => {
  const box = new SecretBox(randomBytes(32))
  const a = box.seal('consumer-secret-123', 'consumer_secret:prod')
  const b = box.seal('consumer-secret-123', 'consumer_secret:prod')
  assert.notEqual(a, b, 'a fresh IV each time')
  assert.doesNotMatch(a, /consumer-secret-123/)
  assert.match(a, /^v1\.[0-9a-f]{8}\./)
  assert.equal(box.open(a, 'consumer_secret:prod'), 'consumer-secret-123')
})

test('a ciphertext opens only in its own context, and only unaltered', () => {
  const box = new SecretBox(randomBytes(32))
  const sealed = box.seal('refresh-token', 'refresh_token:prod')
  assert.throws(() => box.open(sealed, 'refresh_token:dev'), /failed its integrity check/)
  const last = sealed.at(-2) === 'A' ? 'B' : 'A'
  const tampered = `${sealed.slice(0, -2)}${last}${sealed.slice(-1)}`
  assert.throws(() => box.open(tampered, 'refresh_token:prod'), /failed its integrity check/)
})

test('another key is reported as a key mismatch with the next step', () => {
  const sealed = new SecretBox(randomBytes(32)).seal('x', 'c')
  assert.throws(
    () => new SecretBox(randomBytes(32)).open(sealed, 'c', 'consumer secret'),
    (e: unknown) =>
      e instanceof SecretKeyMismatchError &&
      /consumer secret was encrypted with another master key/.test(e.message) &&
      /SFSYNC_MASTER_KEY/.test(e.nextStep ?? ''),
  )
})

test('the master key: SFSYNC_MASTER_KEY (base64 or hex), else a 0600 key file created once', (t) => {
  const key = randomBytes(32)
  assert.deepEqual(parseMasterKey(key.toString('base64'), 'x'), key)
  assert.deepEqual(parseMasterKey(key.toString('hex'), 'x'), key)
  assert.throws(
    () => parseMasterKey('too-short', 'SFSYNC_MASTER_KEY'),
    /SFSYNC_MASTER_KEY is not a 32-byte key/,
  )
  assert.deepEqual(loadMasterKey({ masterKey: key.toString('base64'), home: '/nonexistent' }), {
    key,
    source: 'env',
  })

  const home = join(isolatedDir(t), 'home')
  const first = loadMasterKey({ masterKey: undefined, home })
  assert.equal(first.source, 'new-file')
  const file = join(home, 'master.key')
  assert.equal(statSync(file).mode & 0o777, 0o600)
  const again = loadMasterKey({ masterKey: undefined, home })
  assert.equal(again.source, 'file')
  assert.deepEqual(again.key, first.key)
  assert.equal(readFileSync(file, 'utf8').trim(), first.key.toString('base64'))
  chmodSync(file, 0o644)
  assert.throws(() => loadMasterKey({ masterKey: undefined, home }), /can be read by other users.*/)
  assert.throws(
    () => loadMasterKey({ masterKey: undefined, home: join(home, 'other'), create: false }),
    /There is no master key/,
  )
})
