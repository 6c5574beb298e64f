/**
 * Errors the emulator answers with. Each carries the HTTP status and Salesforce's body shape, and the
 * app's one error handler turns them into responses (see app.ts).
 */

/** A REST/Bulk API error: body `[{"message","errorCode","fields"?}]` (reference/salesforce-data-api.md §1.4). */
export class ApiError extends Error {
  readonly status: number
  readonly errorCode: string
  readonly fields: readonly string[] | undefined
  constructor(status: number, errorCode: string, message: string, fields?: readonly string[]) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.errorCode = errorCode
    this.fields = fields
  }

  body(): Array<Record<string, unknown>> {
    const entry: Record<string, unknown> = { message: this.message, errorCode: this.errorCode }
    if (this.fields) entry.fields = [...this.fields]
    return [entry]
  }
}

/** An OAuth endpoint error: body `{"error","error_description"}` (reference/salesforce-oauth.md §1). */
export class OAuthEndpointError extends Error {
  readonly status: number
  readonly error: string
  readonly errorDescription: string
  /** `json` for /token and /introspect, `form` for /revoke (reference/salesforce-oauth.md §5). */
  readonly format: 'json' | 'form'
  constructor(status: number, error: string, errorDescription: string, format: 'json' | 'form' = 'json') {
    super(`${error}: ${errorDescription}`)
    this.name = 'OAuthEndpointError'
    this.status = status
    this.error = error
    this.errorDescription = errorDescription
    this.format = format
  }
}

export const invalidSession = (): ApiError =>
  new ApiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid')
export const notFound = (): ApiError =>
  new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist')
