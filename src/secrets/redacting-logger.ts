/**
 * The logger of every sfsync process: pino, with secrets removed twice, by key (any field named like a
 * secret, at any depth) and by value (every secret sfsync has handled in this process, plus anything
 * shaped like a Salesforce access or refresh token), so that a secret copied into a message or an
 * unexpected field still never reaches a log line.
 */
import pino, { type Logger } from 'pino'
import type { Writable } from 'node:stream'

export const REDACTED = '[redacted]'

/** Field names whose values are always secret (compared lowercased, without `_`/`-`). */
const SECRET_KEYS = new Set([
  'accesstoken',
  'refreshtoken',
  'clientsecret',
  'consumersecret',
  'password',
  'authorization',
  'cookie',
  'setcookie',
  'token',
  'idtoken',
  'authorizationcode',
  'codeverifier',
  'devicecode',
  'assertion',
  'masterkey',
  'secret',
  'signature',
  'sessionid',
  'oauthtoken',
])

/** Shapes of Salesforce credentials (reference/salesforce-oauth.md §14): access `00D…!…`, refresh `5Aep…`. */
const TOKEN_PATTERNS = [/00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]+/g, /5Aep[A-Za-z0-9._]{20,}/g]

/** True when a field of this name holds a secret. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase().replace(/[_-]/g, ''))
}

/**
 * The secret values seen by this process. Every place that reads or receives a secret adds it, so that
 * value-based redaction knows it. Values shorter than 6 characters are not tracked (too many false hits).
 */
export class SecretValues {
  readonly #values = new Set<string>()

  add(value: string | undefined): void {
    if (value && value.length >= 6) this.#values.add(value)
  }

  /** Replaces every known secret and every token-shaped string in `text`. */
  scrub(text: string): string {
    let out = text
    for (const v of this.#values) {
      if (out.includes(v)) out = out.split(v).join(REDACTED)
      // The same value as it appears inside JSON or a URL.
      const json = JSON.stringify(v).slice(1, -1)
      if (json !== v && out.includes(json)) out = out.split(json).join(REDACTED)
      const url = encodeURIComponent(v)
      if (url !== v && out.includes(url)) out = out.split(url).join(REDACTED)
    }
    for (const pattern of TOKEN_PATTERNS) out = out.replace(pattern, REDACTED)
    return out
  }
}

/** A deep copy of `value` with every secret-named field replaced. */
export function redactByKey(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((v) => redactByKey(v, depth + 1))
  if (value instanceof Error) return { type: value.name, message: value.message }
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value as Record<string, unknown>))
    out[k] = isSecretKey(k) && v !== undefined && v !== null ? REDACTED : redactByKey(v, depth + 1)
  return out
}

export interface LoggerOptions {
  readonly level: string
  readonly secrets: SecretValues
  /** Where lines go; stderr by default. */
  readonly destination?: Pick<Writable, 'write'>
}

/**
 * Creates the process's logger.
 * @example const log = createLogger({ level: 'info', secrets }); log.info({ connection: 'prod' }, 'token refreshed')
 */
export function createLogger(options: LoggerOptions): Logger {
  const target = options.destination ?? process.stderr
  const stream = {
    write(line: string): void {
      target.write(options.secrets.scrub(line))
    },
  }
  return pino(
    {
      level: options.level,
      base: undefined,
      formatters: { log: (obj) => redactByKey(obj) as Record<string, unknown> },
      serializers: { err: (err: unknown) => redactByKey(err) },
    },
    stream,
  )
}
