/**
 * Schema resources: describeGlobal (`/sobjects`), an object's basic information (`/sobjects/{X}`) and
 * its describe (`/sobjects/{X}/describe`), with `urls` filled for the requested API version and
 * `If-Modified-Since` answered with 304 (reference/salesforce-data-api.md §2.3, §2.4).
 */
import type { SObjectSchema } from '../data/org-data.ts'
import type { RestCall, RestResult, RestRoute } from './rest-call.ts'
import { requireSchema } from './sobject-support.ts'
import { GLOBAL_ENTRY_KEYS } from '../data/schema/sobject-schema.ts'

/** The keys of a describeGlobal entry, in the order of the recorded response (fixture _describeGlobal.json). */
const GLOBAL_KEYS = GLOBAL_ENTRY_KEYS

const NULLABLE_GLOBAL_KEYS = new Set(['associateEntityType', 'associateParentEntity', 'keyPrefix'])

/**
 * The `urls` of an object for `version`. When the record layer kept the recorded `urls`, their keys are
 * reused with this org's version and host; otherwise the key set follows the recorded pattern: layoutable
 * objects get the Account set, change events `eventSchema`, the rest `rowTemplate/describe/sobject`
 * (UNCONFIRMED beyond the fixtures, reference §2.3).
 */
export function sobjectUrls(
  schema: SObjectSchema,
  version: string,
  instanceUrl: string,
  form: 'global' | 'describe',
): Record<string, string> {
  const base = `/services/data/v${version}/sobjects/${schema.name}`
  const recorded = schema.describe.urls
  if (recorded && typeof recorded === 'object' && Object.keys(recorded).length > 0) {
    const out: Record<string, string> = {}
    for (const [key, value] of Object.entries(recorded as Record<string, unknown>)) {
      if (typeof value !== 'string') continue
      if (form === 'global' && /^ui|^defaultValues$/.test(key)) continue
      out[key] = value
        .replace(/\/services\/data\/v[^/]+\//, `/services/data/v${version}/`)
        .replace(/^https?:\/\/[^/]+/, instanceUrl)
    }
    return out
  }
  if (schema.name.endsWith('ChangeEvent')) {
    return {
      rowTemplate: `${base}/{ID}`,
      eventSchema: `${base}/eventSchema`,
      describe: `${base}/describe`,
      sobject: base,
    }
  }
  if (schema.describe.layoutable !== true) {
    return { rowTemplate: `${base}/{ID}`, describe: `${base}/describe`, sobject: base }
  }
  const ui: Record<string, string> =
    form === 'describe'
      ? {
          uiDetailTemplate: `${instanceUrl}/{ID}`,
          uiEditTemplate: `${instanceUrl}/{ID}/e`,
        }
      : {}
  const uiNew: Record<string, string> =
    form === 'describe' && schema.describe.keyPrefix
      ? { uiNewRecord: `${instanceUrl}/${schema.describe.keyPrefix}/e` }
      : {}
  return {
    compactLayouts: `${base}/describe/compactLayouts`,
    rowTemplate: `${base}/{ID}`,
    approvalLayouts: `${base}/describe/approvalLayouts`,
    ...ui,
    listviews: `${base}/listviews`,
    describe: `${base}/describe`,
    ...uiNew,
    quickActions: `${base}/quickActions`,
    layouts: `${base}/describe/layouts`,
    sobject: base,
  }
}

/** One describeGlobal entry (also the `objectDescribe` of basic information). */
export function globalEntry(
  schema: SObjectSchema,
  version: string,
  instanceUrl: string,
): Record<string, unknown> {
  const d = schema.describe
  const out: Record<string, unknown> = {}
  for (const key of GLOBAL_KEYS) {
    const value = d[key]
    out[key] = value !== undefined ? value : NULLABLE_GLOBAL_KEYS.has(key) ? null : false
  }
  out.name = schema.name
  out.urls = sobjectUrls(schema, version, instanceUrl, 'global')
  return out
}

/**
 * True when the request's `If-Modified-Since` (an HTTP date, `EEE, dd MMM yyyy HH:mm:ss z`) is not
 * older than `lastModifiedMs` at the header's one-second precision.
 */
export function notModifiedSince(header: string | undefined, lastModifiedMs: number): boolean {
  if (!header) return false
  const since = Date.parse(header)
  if (Number.isNaN(since)) return false
  return Math.floor(lastModifiedMs / 1000) * 1000 <= since
}

function describeGlobal(call: RestCall): RestResult {
  const schemas = call.ctx.data.schemas()
  // UNCONFIRMED whether describeGlobal honours If-Modified-Since (reference §2.3); answering 304 when no
  // object changed is what the header means.
  const newest = schemas.reduce((max, s) => Math.max(max, s.lastModifiedMs), 0)
  if (schemas.length > 0 && notModifiedSince(call.headers['if-modified-since'], newest))
    return { status: 304 }
  const instanceUrl = call.ctx.org.instanceUrl
  return {
    status: 200,
    body: {
      encoding: 'UTF-8',
      maxBatchSize: 200,
      sobjects: schemas.map((s) => globalEntry(s, call.version, instanceUrl)),
    },
  }
}

function basicInfo(call: RestCall): RestResult {
  const schema = requireSchema(call.ctx.data, call.params.sobject ?? '')
  return {
    status: 200,
    body: {
      objectDescribe: globalEntry(schema, call.version, call.ctx.org.instanceUrl),
      // Recent items are records the user viewed in the UI; the emulated org has no UI views.
      recentItems: [],
    },
  }
}

function describe(call: RestCall): RestResult {
  const schema = requireSchema(call.ctx.data, call.params.sobject ?? '')
  if (notModifiedSince(call.headers['if-modified-since'], schema.lastModifiedMs)) return { status: 304 }
  const body: Record<string, unknown> = {}
  let placed = false
  const urls = sobjectUrls(schema, call.version, call.ctx.org.instanceUrl, 'describe')
  for (const [key, value] of Object.entries(schema.describe)) {
    if (key === 'urls') {
      body.urls = urls
      placed = true
    } else body[key] = value
  }
  if (!placed) body.urls = urls
  return { status: 200, body }
}

export function describeRoutes(): RestRoute[] {
  return [
    { method: 'GET', path: 'sobjects', handler: describeGlobal },
    { method: 'GET', path: 'sobjects/:sobject', handler: basicInfo },
    { method: 'GET', path: 'sobjects/:sobject/describe', handler: describe },
  ]
}
