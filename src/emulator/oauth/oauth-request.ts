/**
 * Reading an OAuth request the lenient way Salesforce does: parameters from the query string and the
 * body (form-encoded, multipart or even JSON), client credentials from the body or HTTP Basic, and which
 * of the emulator's two hosts was addressed (reference/salesforce-oauth.md §1).
 */
import type { FastifyRequest } from 'fastify'
import type { EmulatorOrg } from '../org.ts'

export type OAuthParams = Readonly<Record<string, string>>

function addValues(out: Record<string, string>, source: unknown): void {
  if (!source || typeof source !== 'object' || Buffer.isBuffer(source)) return
  for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
    // A repeated form field arrives as an array; Salesforce reads one value (we take the first).
    const first: unknown = Array.isArray(value) ? value[0] : value
    if (typeof first === 'string') out[key] = first
    else if (typeof first === 'number' || typeof first === 'boolean') out[key] = String(first)
    else if (Buffer.isBuffer(first)) out[key] = first.toString('utf8')
  }
}

/**
 * Query-string parameters overlaid by body parameters. Only form-encoded and multipart bodies count: the
 * OAuth endpoints do not read JSON (a JSON body's grant_type goes unseen, as at Salesforce — UNCONFIRMED).
 */
export function oauthParams(req: FastifyRequest): OAuthParams {
  const out: Record<string, string> = {}
  addValues(out, req.query)
  const type = (req.headers['content-type'] ?? '').toLowerCase()
  if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data'))
    addValues(out, req.body)
  return out
}

export interface ClientCredentials {
  readonly clientId: string | undefined
  /** Undefined when no secret was sent (an empty string counts as not sent). */
  readonly clientSecret: string | undefined
}

function decodeBasicPart(part: string): string {
  // RFC 6749 §2.3.1 form-encodes both parts before Basic; most clients do not. Decode when it parses.
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '))
  } catch {
    return part
  }
}

/** Client id and secret from `Authorization: Basic` (preferred) or the parameters. */
export function clientCredentials(req: FastifyRequest, params: OAuthParams): ClientCredentials {
  const header = req.headers.authorization
  const basic = header ? /^Basic\s+(\S+)$/i.exec(header.trim()) : null
  if (basic?.[1]) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon > 0) {
      const secret = decodeBasicPart(decoded.slice(colon + 1))
      return {
        clientId: decodeBasicPart(decoded.slice(0, colon)),
        clientSecret: secret === '' ? undefined : secret,
      }
    }
  }
  const secret = params.client_secret
  return { clientId: params.client_id, clientSecret: secret === '' ? undefined : secret }
}

/** Which host a request addressed: the login host (`loginUrl`, login.salesforce.com) or the My Domain. */
export type HostKind = 'login' | 'myDomain'

function hostOf(url: string): string {
  try {
    return new URL(url).host.toLowerCase()
  } catch {
    return ''
  }
}

/** Compares the Host header with org.loginUrl; every other host is treated as the org's My Domain. */
export function hostKind(org: EmulatorOrg, req: FastifyRequest): HostKind {
  const host = (req.headers.host ?? '').toLowerCase()
  return host !== '' && host === hostOf(org.loginUrl) ? 'login' : 'myDomain'
}

/** The origin a request addressed (`http://localhost:PORT` or `http://127.0.0.1:PORT`). */
export function requestOrigin(org: EmulatorOrg, req: FastifyRequest): string {
  return hostKind(org, req) === 'login' ? org.loginUrl : org.instanceUrl
}

/** The access token of an identity request: Bearer/OAuth header, else `oauth_token` or `access_token` parameter. */
export function identityToken(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization
  const match = header ? /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(header.trim()) : null
  if (match?.[1]) return match[1]
  const params = oauthParams(req)
  return params.oauth_token ?? params.access_token
}
