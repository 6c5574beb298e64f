/**
 * How the connection commands report: human lines by default, one JSON object with `--json`, progress
 * on stderr, and exit codes derived from the error's stable code. Messages pass through the process's
 * secret scrubber before they are written.
 */
import { SfsyncError, type ErrorCode } from '../config/sfsync-error.ts'
import { OAuthError, AuthError, SalesforceApiError } from '../salesforce/errors.ts'
import type { SecretValues } from '../secrets/redacting-logger.ts'

/**
 * Exit codes of sfsync commands:
 * - 0 `ok`;
 * - 1 `internal`: a bug, or an error code not mapped below;
 * - 2 `input`: bad flags, configuration or values (CONFIG_INVALID, INPUT_INVALID, CONNECTION_*,
 *   DESTINATION_VALUE_INVALID);
 * - 3 `auth`: OAuth or session failures (OAUTH_FAILED, AUTH_FAILED);
 * - 4 `unreachable`: the org cannot be reached (ORG_UNREACHABLE);
 * - 5 `state`: local state, secrets, locks or the destination (STATE_STORE_FAILED, SECRET_KEY_*,
 *   LOCK_TIMEOUT, DESTINATION_FAILED);
 * - 6 `api`: Salesforce refused a call, or a sync stopped for an object (API_FAILED, SYNC_FAILED;
 *   `sfsync sync` also exits 6 when any object's result is `failed`);
 * - 7 `checksFailed`: `sfsync doctor` found a failing check;
 * - 130: cancelled (CANCELLED, Ctrl-C).
 */
export const EXIT = {
  ok: 0,
  internal: 1,
  input: 2,
  auth: 3,
  unreachable: 4,
  state: 5,
  api: 6,
  checksFailed: 7,
} as const

// Partial: other parts add codes; an unmapped one exits as internal until mapped here.
const EXIT_BY_CODE: Partial<Record<ErrorCode, number>> = {
  CONFIG_INVALID: EXIT.input,
  INPUT_INVALID: EXIT.input,
  CONNECTION_NOT_FOUND: EXIT.input,
  CONNECTION_EXISTS: EXIT.input,
  SECRET_KEY_MISMATCH: EXIT.state,
  SECRET_KEY_INVALID: EXIT.state,
  STATE_STORE_FAILED: EXIT.state,
  LOCK_TIMEOUT: EXIT.state,
  OAUTH_FAILED: EXIT.auth,
  AUTH_FAILED: EXIT.auth,
  API_FAILED: EXIT.api,
  // A sync that stopped (rows that do not add up, columns missing, an unexpected failure): the same
  // code as a run whose object results include `failed`, so scripts check one code for "sync failed".
  SYNC_FAILED: EXIT.api,
  ORG_UNREACHABLE: EXIT.unreachable,
  CANCELLED: 130,
  DESTINATION_FAILED: EXIT.state,
  DESTINATION_VALUE_INVALID: EXIT.input,
}

export function exitCodeOf(err: unknown): number {
  return err instanceof SfsyncError ? (EXIT_BY_CODE[err.code] ?? EXIT.internal) : EXIT.internal
}

/** The JSON shape of an error: code, message, next step, and Salesforce's own code verbatim. */
export function errorJson(err: unknown): Record<string, unknown> {
  if (!(err instanceof SfsyncError))
    return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) }
  const out: Record<string, unknown> = { code: err.code, message: err.message }
  if (err.nextStep) out.nextStep = err.nextStep
  if (err instanceof OAuthError) {
    out.oauthError = err.oauthError
    out.oauthErrorDescription = err.oauthErrorDescription
  }
  if (err instanceof AuthError && err.errorCode) out.errorCode = err.errorCode
  if (err instanceof SalesforceApiError) out.errorCode = err.errorCode
  if (err.cause instanceof OAuthError) {
    out.oauthError = err.cause.oauthError
    out.oauthErrorDescription = err.cause.oauthErrorDescription
  }
  return out
}

/** Writes results and errors for one command invocation. */
export class CommandOutput {
  readonly json: boolean
  readonly #secrets: SecretValues | undefined

  constructor(json: boolean, secrets?: SecretValues) {
    this.json = json
    this.#secrets = secrets
  }

  #clean(text: string): string {
    return this.#secrets ? this.#secrets.scrub(text) : text
  }

  /** Progress for the person at the terminal (stderr, so stdout stays parseable). */
  progress(line: string): void {
    process.stderr.write(this.#clean(`${line}\n`))
  }

  /** Rewrites the current stderr line (countdowns). */
  status(line: string): void {
    process.stderr.write(this.#clean(`\r${line}\x1b[K`))
  }

  result(value: Record<string, unknown>, human: string[]): void {
    if (this.json) process.stdout.write(this.#clean(`${JSON.stringify({ ok: true, ...value })}\n`))
    else process.stdout.write(this.#clean(`${human.join('\n')}\n`))
  }

  /** Prints the error and returns the exit code. */
  error(err: unknown): number {
    if (this.json)
      process.stdout.write(this.#clean(`${JSON.stringify({ ok: false, error: errorJson(err) })}\n`))
    else {
      const message = err instanceof Error ? err.message : String(err)
      let text = `sfsync: ${message}\n`
      if (err instanceof SfsyncError && err.nextStep) text += `  next: ${err.nextStep}\n`
      if (!(err instanceof SfsyncError) && err instanceof Error && err.stack) text += `${err.stack}\n`
      process.stderr.write(this.#clean(text))
    }
    return exitCodeOf(err)
  }
}
