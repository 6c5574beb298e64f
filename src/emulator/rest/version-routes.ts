/**
 * The version root `GET /services/data/vXX.X` (resources by version, reference §2.2) and `GET /limits`
 * (reference §2.6).
 */
import type { RestCall, RestResult, RestRoute } from './rest-call.ts'

/**
 * Resource names listed at a version root. UNCONFIRMED beyond the reference's excerpt (its full list per
 * version is not recorded); every entry is a version-relative URL except `identity`.
 */
const RESOURCES = [
  'tooling',
  'metadata',
  'eclair',
  'folders',
  'prechatForms',
  'chatter',
  'tabs',
  'appMenu',
  'quickActions',
  'queryAll',
  'commerce',
  'wave',
  'iot',
  'analytics',
  'search',
  'identity',
  'composite',
  'parameterizedSearch',
  'fingerprint',
  'theme',
  'nouns',
  'event',
  'serviceTemplates',
  'recent',
  'connect',
  'licensing',
  'limits',
  'process',
  'async-queries',
  'query',
  'match',
  'emailConnect',
  'compactLayouts',
  'knowledgeManagement',
  'sobjects',
  'actions',
  'support',
  'jobs',
] as const

function versionRoot(call: RestCall): RestResult {
  const body: Record<string, string> = {}
  for (const name of RESOURCES) {
    body[name] =
      name === 'identity'
        ? `${call.ctx.org.instanceUrl}/id/${call.ctx.org.orgId}/${call.session.userId}`
        : `/services/data/v${call.version}/${name}`
  }
  return { status: 200, body }
}

function limits(call: RestCall): RestResult {
  return { status: 200, body: call.ctx.org.apiUsage.limits() }
}

export function versionRoutes(): RestRoute[] {
  return [
    { method: 'GET', path: '', handler: versionRoot },
    { method: 'GET', path: 'limits', handler: limits },
  ]
}
