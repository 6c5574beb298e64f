// Placeholder replaced by the OAuth layer (oauth/).
import type { FastifyInstance } from 'fastify'
import type { EmulatorOrg } from '../org.ts'
import type { OrgData } from '../data/org-data.ts'
import type { EmulatorContext } from '../context.ts'
import type { SessionResolver } from './session.ts'

export interface OAuthServer {
  readonly sessions: SessionResolver
  readonly app: { readonly consumerKey: string; readonly consumerSecret: string }
  register(app: FastifyInstance, ctx: EmulatorContext): Promise<void>
}

export function createOAuthServer(_org: EmulatorOrg, _data: OrgData): OAuthServer {
  throw new Error('the OAuth layer is not built yet')
}
