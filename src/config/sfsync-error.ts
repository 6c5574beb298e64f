/**
 * The root of sfsync's error hierarchy (STYLE.md §6): a stable machine `code`, a human message that
 * names the likely misconfiguration and never carries a secret, and the preserved `cause`.
 * It lives in config/, the part every other part may import, so that each area can subclass it.
 */

/** Stable error codes; the CLI maps them to exit codes and the server to HTTP statuses. */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'INPUT_INVALID'
  | 'CONNECTION_NOT_FOUND'
  | 'CONNECTION_EXISTS'
  | 'SECRET_KEY_MISMATCH'
  | 'SECRET_KEY_INVALID'
  | 'STATE_STORE_FAILED'
  | 'OAUTH_FAILED'
  | 'AUTH_FAILED'
  | 'API_FAILED'
  | 'ORG_UNREACHABLE'
  | 'LOCK_TIMEOUT'
  | 'CANCELLED'
  | 'DESTINATION_FAILED'
  | 'DESTINATION_VALUE_INVALID'
  | 'SYNC_FAILED'

/**
 * Base class of every error sfsync throws on purpose.
 * @example throw new SfsyncError('INPUT_INVALID', 'The connection name must not be empty.')
 */
export class SfsyncError extends Error {
  readonly code: ErrorCode
  /** What a person should do next, in their words; printed after the message. */
  readonly nextStep: string | undefined

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; nextStep?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.nextStep = options?.nextStep
    this.name = new.target.name
  }
}

/** A setting (flag, environment variable or config file entry) that cannot be used. */
export class ConfigError extends SfsyncError {
  /** The setting's name as the user wrote it, e.g. `SFSYNC_STATE_URL` or `--instance-url`. */
  readonly setting: string

  constructor(setting: string, message: string, options?: { cause?: unknown; nextStep?: string }) {
    super('CONFIG_INVALID', `${setting}: ${message}`, options)
    this.setting = setting
  }
}

/** Input a person typed that cannot be used (bad URL, empty secret, unknown connection name). */
export class InputError extends SfsyncError {
  constructor(
    message: string,
    options?: {
      cause?: unknown
      nextStep?: string
      code?: 'INPUT_INVALID' | 'CONNECTION_NOT_FOUND' | 'CONNECTION_EXISTS'
    },
  ) {
    super(options?.code ?? 'INPUT_INVALID', message, options)
  }
}
