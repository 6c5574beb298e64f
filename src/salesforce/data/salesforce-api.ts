/**
 * The slice of {@link SalesforceClient} the data clients use. The sync engine hands them a metered
 * wrapper of the same shape (API budget, call counting), so the clients never know about budgets.
 */
import type { HttpRequest, HttpResponse, StreamingHttpResponse } from '../http-transport.ts'
import type { ClientRequest } from '../salesforce-client.ts'
import { salesforceErrorOf } from '../salesforce-client.ts'
import { SalesforceApiError } from '../errors.ts'

/** Authenticated calls to one org (SalesforceClient, or a wrapper of it). */
export interface SalesforceApi {
  readonly apiVersion: string
  dataPath(rest?: string): string
  request(req: ClientRequest): Promise<HttpResponse>
  stream(req: ClientRequest): Promise<StreamingHttpResponse | HttpResponse>
  json<T = unknown>(method: HttpRequest['method'], path: string, body?: unknown): Promise<T>
}

/** Throws Salesforce's error of a response >= 400, as a SalesforceApiError. */
export function throwIfError(res: HttpResponse, method: string, path: string): void {
  if (res.status < 400) return
  const { errorCode, message } = salesforceErrorOf(res)
  throw new SalesforceApiError({
    httpStatus: res.status,
    errorCode,
    message,
    method,
    path: path.split('?')[0] ?? path,
  })
}

/** The server's clock from a response's `Date` header (whole seconds, rounded down), in ms. */
export function serverDateOf(headers: Headers): number | undefined {
  const d = headers.get('date')
  if (!d) return undefined
  const ms = Date.parse(d)
  return Number.isFinite(ms) ? ms : undefined
}
