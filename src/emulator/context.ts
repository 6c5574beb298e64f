/** What every route plugin of the emulator receives. */
import type { EmulatorOrg } from './org.ts'
import type { OrgData } from './data/org-data.ts'
import type { SessionResolver } from './oauth/session.ts'

export interface EmulatorContext {
  readonly org: EmulatorOrg
  readonly data: OrgData
  readonly sessions: SessionResolver
}
