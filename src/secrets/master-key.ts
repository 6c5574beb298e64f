/**
 * Where the master key comes from: `SFSYNC_MASTER_KEY` (32 bytes as base64 or 64 hex characters), else
 * the key file `$SFSYNC_HOME/master.key`, created on first use with mode 0600.
 */
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { SfsyncError } from '../config/sfsync-error.ts'
import { MASTER_KEY_BYTES } from './secret-box.ts'

export const MASTER_KEY_FILE = 'master.key'

/** Parses a master key given as base64/base64url (44/43 chars) or hex (64 chars). */
export function parseMasterKey(text: string, from: string): Buffer {
  const s = text.trim()
  let key: Buffer | undefined
  if (/^[0-9a-fA-F]{64}$/.test(s)) key = Buffer.from(s, 'hex')
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(s))
    key = Buffer.from(s, s.includes('-') || s.includes('_') ? 'base64url' : 'base64')
  if (!key || key.length !== MASTER_KEY_BYTES) {
    throw new SfsyncError(
      'SECRET_KEY_INVALID',
      `${from} is not a 32-byte key (base64 or 64 hex characters).`,
      {
        nextStep: 'Generate one with `openssl rand -base64 32`.',
      },
    )
  }
  return key
}

export interface MasterKeyOptions {
  /** The value of SFSYNC_MASTER_KEY, if set. */
  readonly masterKey: string | undefined
  /** $SFSYNC_HOME. */
  readonly home: string
  /** When false, a missing key file is an error instead of being created (read-only commands). */
  readonly create?: boolean
}

/**
 * Returns the master key and where it came from.
 * @example const { key } = loadMasterKey({ masterKey: undefined, home: '/home/me/.sfsync' })
 */
export function loadMasterKey(options: MasterKeyOptions): {
  key: Buffer
  source: 'env' | 'file' | 'new-file'
} {
  if (options.masterKey !== undefined)
    return { key: parseMasterKey(options.masterKey, 'SFSYNC_MASTER_KEY'), source: 'env' }
  const path = join(options.home, MASTER_KEY_FILE)
  mkdirSync(options.home, { recursive: true, mode: 0o700 })
  try {
    const mode = statSync(path).mode & 0o777
    if ((mode & 0o077) !== 0) {
      throw new SfsyncError(
        'SECRET_KEY_INVALID',
        `${path} can be read by other users (mode ${mode.toString(8)}).`,
        {
          nextStep: `Run \`chmod 600 ${path}\`.`,
        },
      )
    }
    return { key: parseMasterKey(readFileSync(path, 'utf8'), path), source: 'file' }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  if (options.create === false)
    throw new SfsyncError(
      'SECRET_KEY_INVALID',
      `There is no master key: ${path} does not exist and SFSYNC_MASTER_KEY is unset.`,
    )
  const key = randomBytes(MASTER_KEY_BYTES)
  try {
    // 'wx' fails when another process created the file meanwhile: then that one's key wins.
    writeFileSync(path, `${key.toString('base64')}\n`, { flag: 'wx', mode: 0o600 })
    chmodSync(path, 0o600)
    return { key, source: 'new-file' }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      return { key: parseMasterKey(readFileSync(path, 'utf8'), path), source: 'file' }
    throw err
  }
}
