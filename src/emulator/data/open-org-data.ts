// Placeholder replaced by the record layer (data/): opens the org's records.
import type { EmulatorOrg } from '../org.ts'
import type { OrgData } from './org-data.ts'

export function openOrgData(_org: EmulatorOrg): Promise<OrgData> {
  return Promise.reject(new Error('the record layer is not built yet'))
}
