/**
 * Encryption at rest of consumer secrets and tokens: AES-256-GCM with a 96-bit random IV, the row's
 * purpose as additional authenticated data (a ciphertext copied into another row does not decrypt),
 * and the key's fingerprint in front, so that a wrong key is reported as such rather than as corruption.
 *
 * Format: `v1.<key fingerprint, 8 hex>.<base64url(iv | tag | ciphertext)>`.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto'
import { SfsyncError } from '../config/sfsync-error.ts'

const IV_BYTES = 12
const TAG_BYTES = 16
export const MASTER_KEY_BYTES = 32

/** The data is encrypted under another key than the one sfsync has now. */
export class SecretKeyMismatchError extends SfsyncError {
  constructor(what: string) {
    super(
      'SECRET_KEY_MISMATCH',
      `The ${what} was encrypted with another master key than the one sfsync uses now.`,
      {
        nextStep:
          'Set SFSYNC_MASTER_KEY to the key used when the connection was stored (or restore $SFSYNC_HOME/master.key), or run `sfsync disconnect` and `sfsync connect` again.',
      },
    )
  }
}

/** Fingerprint of a key: identifies it without revealing it. */
export function keyFingerprint(key: Buffer): string {
  return createHmac('sha256', key).update('sfsync key fingerprint v1').digest('hex').slice(0, 8)
}

/**
 * Encrypts and decrypts short secrets with one master key.
 * @example const box = new SecretBox(key); const c = box.seal('s3cret', 'consumer secret of prod'); box.open(c, 'consumer secret of prod')
 */
export class SecretBox {
  readonly #key: Buffer
  readonly fingerprint: string

  constructor(key: Buffer) {
    if (key.length !== MASTER_KEY_BYTES) throw new Error(`the master key must be ${MASTER_KEY_BYTES} bytes`)
    this.#key = Buffer.from(key)
    this.fingerprint = keyFingerprint(this.#key)
  }

  /** Encrypts `plaintext`, bound to `context` (e.g. `refresh_token:prod`). */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv)
    cipher.setAAD(Buffer.from(context, 'utf8'))
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
    const payload = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')
    return `v1.${this.fingerprint}.${payload}`
  }

  /** Decrypts a value made by `seal` with the same `context`; throws SecretKeyMismatchError for another key. */
  open(sealed: string, context: string, what = 'stored secret'): string {
    const match = /^v1\.([0-9a-f]{8})\.([A-Za-z0-9_-]+)$/.exec(sealed)
    if (!match?.[1] || !match[2])
      throw new SfsyncError('STATE_STORE_FAILED', `The ${what} is not in sfsync's format.`)
    if (match[1] !== this.fingerprint) throw new SecretKeyMismatchError(what)
    const raw = Buffer.from(match[2], 'base64url')
    if (raw.length < IV_BYTES + TAG_BYTES)
      throw new SfsyncError('STATE_STORE_FAILED', `The ${what} is truncated.`)
    const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, IV_BYTES))
    decipher.setAAD(Buffer.from(context, 'utf8'))
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      )
    } catch (err) {
      throw new SfsyncError(
        'STATE_STORE_FAILED',
        `The ${what} failed its integrity check (altered or moved).`,
        {
          cause: err,
          nextStep: 'Run `sfsync disconnect` and `sfsync connect` again for this connection.',
        },
      )
    }
  }
}
