/**
 * The org's objects: Account, Contact and Opportunity from the recorded describes, the others built
 * (Lead, Case, User, Task, Organization, Invoice__c), with childRelationships recomputed so that every
 * relationship names an object the org really has.
 */
import type { DescribeSObject } from '../org-data.ts'
import { FIXTURE_OBJECTS, recordedDescribe, recordedDescribeGlobal } from './fixture-describes.ts'
import { API_VERSION_PLACEHOLDER, buildObjectDescribe, type ObjectSpec } from './object-spec.ts'
import { OrgSObjectSchema } from './sobject-schema.ts'
import { LEAD_SPEC } from './objects/lead-spec.ts'
import { CASE_SPEC } from './objects/case-spec.ts'
import { USER_SPEC } from './objects/user-spec.ts'
import { TASK_SPEC } from './objects/task-spec.ts'
import { ORGANIZATION_SPEC } from './objects/organization-spec.ts'
import { INVOICE_SPEC } from './objects/invoice-spec.ts'

/** describeGlobal order: alphabetical, standard and custom objects together, as Salesforce lists them. */
const BUILT: readonly ObjectSpec[] = [
  LEAD_SPEC,
  CASE_SPEC,
  USER_SPEC,
  TASK_SPEC,
  ORGANIZATION_SPEC,
  INVOICE_SPEC,
]

/**
 * Names of child relationships (`Child.Field` → name on the parent), as the recorded describes give
 * them; pairs not listed have no name (null), like most audit lookups to User.
 */
const CHILD_RELATIONSHIP_NAMES: Readonly<Record<string, string>> = {
  'Account.ParentId': 'ChildAccounts',
  'Contact.AccountId': 'Contacts',
  'Opportunity.AccountId': 'Opportunities',
  'Opportunity.ContactId': 'Opportunities',
  'Case.AccountId': 'Cases',
  'Case.ContactId': 'Cases',
  'Case.ParentId': 'Cases',
  'Task.WhatId': 'Tasks',
  'Task.WhoId': 'Tasks',
  'User.AccountId': 'Users',
  'User.ContactId': 'Users',
  'User.ManagerId': 'ManagedUsers',
  'Invoice__c.Account__c': 'Invoices__r',
}

/**
 * Lookups whose records are deleted with their parent. Real describes report this on the child
 * relationship only (every recorded field says `cascadeDelete: false`); recorded relationships keep
 * their own flags.
 */
const CASCADE_DELETE = new Set(['Contact.AccountId', 'Opportunity.AccountId', 'Task.WhatId', 'Task.WhoId'])

interface ChildRelationship {
  cascadeDelete: boolean
  childSObject: string
  deprecatedAndHidden: boolean
  field: string
  junctionIdListNames: string[]
  junctionReferenceTo: string[]
  relationshipName: string | null
  restrictedDelete: boolean
}

/** Builds every schema of the org; `lastModifiedMs` is the emulated time of the org's last schema change. */
export function buildOrgSchemas(lastModifiedMs: number): OrgSObjectSchema[] {
  const global = new Map(recordedDescribeGlobal().sobjects.map((e) => [String(e.name), e]))
  const contact = recordedDescribe('Contact')
  const describes: DescribeSObject[] = [
    ...FIXTURE_OBJECTS.map((n) => {
      const d = recordedDescribe(n) as unknown as Record<string, unknown>
      delete d.urls
      // Record type layout urls carry the recording's API version; the REST layer fills in its own.
      for (const info of (d.recordTypeInfos ?? []) as Array<{ urls?: Record<string, string> }>) {
        for (const [k, v] of Object.entries(info.urls ?? {})) {
          if (info.urls)
            info.urls[k] = v.replace(
              // The recordings say v48.0, or vxx.0 where their recorder sanitised them.
              /\/services\/data\/v[^/]+\//,
              `/services/data/${API_VERSION_PLACEHOLDER}/`,
            )
        }
      }
      return d as unknown as DescribeSObject
    }),
    ...BUILT.map((spec) => buildObjectDescribe(spec, contact, global.get(spec.name))),
  ]
  describes.sort((a, b) => a.name.localeCompare(b.name))
  const names = new Set(describes.map((d) => d.name))
  const byName = new Map(describes.map((d) => [d.name, d]))

  // Every lookup of every object, as seen from its target.
  const generated = new Map<string, ChildRelationship[]>()
  for (const child of describes) {
    for (const f of child.fields) {
      if (f.type !== 'reference') continue
      for (const target of f.referenceTo as string[]) {
        if (!names.has(target)) continue
        const list = generated.get(target) ?? []
        list.push({
          cascadeDelete: CASCADE_DELETE.has(`${child.name}.${f.name}`),
          childSObject: child.name,
          deprecatedAndHidden: false,
          field: f.name,
          junctionIdListNames: [],
          junctionReferenceTo: [],
          relationshipName: CHILD_RELATIONSHIP_NAMES[`${child.name}.${f.name}`] ?? null,
          restrictedDelete: f.restrictedDelete === true,
        })
        generated.set(target, list)
      }
    }
  }

  for (const d of describes) {
    const mutable = d as unknown as Record<string, unknown>
    const recorded = (mutable.childRelationships as ChildRelationship[] | undefined) ?? []
    // Keep recorded relationships whose child object and field exist here (their flags are real).
    const kept = recorded.filter((r) =>
      byName.get(r.childSObject)?.fields.some((f) => f.name === r.field && f.type === 'reference'),
    )
    const seen = new Set(kept.map((r) => `${r.childSObject}.${r.field}`))
    const extra = (generated.get(d.name) ?? []).filter((r) => !seen.has(`${r.childSObject}.${r.field}`))
    mutable.childRelationships = [...kept, ...extra].sort(
      (a, b) => a.childSObject.localeCompare(b.childSObject) || a.field.localeCompare(b.field),
    )
  }
  return describes.map((d) => new OrgSObjectSchema(d, lastModifiedMs))
}

/**
 * A copy of `describe` whose nested urls (`recordTypeInfos[].urls`) name API version `version`
 * (`'60.0'`) instead of the placeholder `vXX.X` the stored describes carry.
 * @example withApiVersion(schema.describe, '60.0')
 */
export function withApiVersion<T extends DescribeSObject>(describe: T, version: string): T {
  const infos = (describe.recordTypeInfos ?? []) as Array<
    Record<string, unknown> & { urls?: Record<string, string> }
  >
  const recordTypeInfos = infos.map((info) => ({
    ...info,
    urls: Object.fromEntries(
      Object.entries(info.urls ?? {}).map(([k, v]) => [k, v.replace(API_VERSION_PLACEHOLDER, `v${version}`)]),
    ),
  }))
  return { ...describe, recordTypeInfos }
}
