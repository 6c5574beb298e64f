/**
 * Errors of the Salesforce client (STYLE.md §6). Each keeps Salesforce's own code verbatim in its own
 * field (`oauthError`/`oauthErrorDescription`, or `errorCode`) next to a message a person understands.
 * No message ever contains a token, a secret or record data.
 */
import { SfsyncError } from '../config/sfsync-error.ts'
import { explainOAuthError } from './oauth/oauth-error-catalogue.ts'

/** The token, authorize, introspect or revoke endpoint refused a request. */
export class OAuthError extends SfsyncError {
  /** Salesforce's `error`, verbatim (e.g. `invalid_grant`). */
  readonly oauthError: string
  /** Salesforce's `error_description`, verbatim (e.g. `authentication failure`). */
  readonly oauthErrorDescription: string
  readonly httpStatus: number

  constructor(input: {
    error: string
    description: string
    httpStatus: number
    context?: OAuthErrorContext
  }) {
    const explained = explainOAuthError(input.error, input.description, input.context ?? {})
    super('OAUTH_FAILED', `${explained.message} (Salesforce: ${input.error}: ${input.description})`, {
      nextStep: explained.nextStep,
    })
    this.oauthError = input.error
    this.oauthErrorDescription = input.description
    this.httpStatus = input.httpStatus
  }

  /** True for the answer Salesforce gives while a Connected App change propagates (up to 10 minutes). */
  get mayBePropagation(): boolean {
    return this.oauthError === 'invalid_client_id'
  }
}

/** What the catalogue needs to phrase a message: which grant and host were used. */
export interface OAuthErrorContext {
  readonly grant?: string
  readonly host?: string
}

/** Authentication failed for good: a re-authentication did not help. */
export class AuthError extends SfsyncError {
  /** Salesforce's errorCode of the last refusal, e.g. `INVALID_SESSION_ID`. */
  readonly errorCode: string | undefined

  constructor(message: string, options: { cause?: unknown; nextStep?: string; errorCode?: string }) {
    super('AUTH_FAILED', message, options)
    this.errorCode = options.errorCode
  }
}

/** A REST call answered with an error body (`[{"errorCode":"…","message":"…"}]`). */
export class SalesforceApiError extends SfsyncError {
  readonly httpStatus: number
  /** Salesforce's errorCode verbatim, e.g. `REQUEST_LIMIT_EXCEEDED`. */
  readonly errorCode: string
  /** Salesforce's message verbatim. */
  readonly salesforceMessage: string

  constructor(input: {
    httpStatus: number
    errorCode: string
    message: string
    method: string
    path: string
    nextStep?: string
  }) {
    super(
      'API_FAILED',
      `${input.method} ${input.path} failed with ${input.httpStatus} ${input.errorCode}: ${input.message}`,
      {
        ...(input.nextStep ? { nextStep: input.nextStep } : {}),
      },
    )
    this.httpStatus = input.httpStatus
    this.errorCode = input.errorCode
    this.salesforceMessage = input.message
  }
}

/** The org could not be reached (DNS, refused connection, reset, timeout) even after retries. */
export class OrgUnreachableError extends SfsyncError {
  constructor(origin: string, cause: unknown) {
    const reason = describeNetworkError(cause)
    super('ORG_UNREACHABLE', `Cannot reach ${origin}: ${reason}.`, {
      cause,
      nextStep: 'Check the URL (Setup → My Domain shows it), your network and any proxy, then try again.',
    })
  }
}

/** A short, secret-free description of a fetch failure. */
export function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause
  const code = cause?.code ?? (err as { code?: string }).code
  if (code === 'ECONNREFUSED') return 'the connection was refused'
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve'
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the connection was reset'
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT' || (err as Error).name === 'TimeoutError')
    return 'the request timed out'
  return code ?? cause?.message ?? (err as Error).message ?? 'network error'
}
