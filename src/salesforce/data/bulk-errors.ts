/**
 * Errors of Bulk API 2.0 query jobs. Each names the job and the object, never record data.
 */
import { SfsyncError } from '../../config/sfsync-error.ts'

/** A query job ended `Failed` or `Aborted`. */
export class BulkJobFailedError extends SfsyncError {
  readonly jobId: string
  readonly state: string
  /** Salesforce's `errorMessage`, verbatim (often absent for query jobs). */
  readonly salesforceMessage: string | undefined

  constructor(input: { jobId: string; object: string; state: string; errorMessage?: string }) {
    super(
      'API_FAILED',
      `Bulk query job ${input.jobId} for ${input.object} ended ${input.state}${input.errorMessage ? `: ${input.errorMessage}` : ' (Salesforce gave no reason)'}.`,
      {
        nextStep: /QUERY_TIMEOUT|Retried more/i.test(input.errorMessage ?? '')
          ? 'The object is too large for one query job: the next run retries; if it keeps failing, sync this object over REST (smaller pages).'
          : 'The next run creates a new job; if it keeps failing, check the field permissions of the integration user.',
      },
    )
    this.jobId = input.jobId
    this.state = input.state
    this.salesforceMessage = input.errorMessage
  }
}

/** A query job was still running when the configured wait ran out. */
export class BulkJobTimeoutError extends SfsyncError {
  readonly jobId: string

  constructor(input: { jobId: string; object: string; state: string; waitedMs: number }) {
    super(
      'API_FAILED',
      `Bulk query job ${input.jobId} for ${input.object} is still ${input.state} after ${Math.round(input.waitedMs / 1000)} s.`,
      {
        nextStep:
          'The job is left running and the next run picks it up again; raise the wait (`sfsync sync --bulk-timeout SECONDS`) if the org is just slow.',
      },
    )
    this.jobId = input.jobId
  }
}

/** A results page came back short, broken or malformed; re-fetching the same locator fixes it. */
export class BulkPageIncompleteError extends SfsyncError {
  readonly jobId: string
  readonly locator: string

  constructor(input: { jobId: string; locator: string; reason: string; cause?: unknown }) {
    super(
      'API_FAILED',
      `A results page of Bulk query job ${input.jobId} (locator ${input.locator || 'first'}) was incomplete: ${input.reason}.`,
      input.cause === undefined ? undefined : { cause: input.cause },
    )
    this.jobId = input.jobId
    this.locator = input.locator
  }
}
