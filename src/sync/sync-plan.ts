/**
 * Planning (issue 5 "Plan"): which objects, which fields, which cursor, and whether Bulk API 2.0 may
 * read the object. Pure functions over describe results, so every rule here is unit-tested without an org.
 */
import type { FieldDescribe, SObjectDescribe, SObjectSummary } from '../salesforce/data/describe-client.ts'
import type { FieldSpec } from '../store/destination.ts'
import { InputError } from '../config/sfsync-error.ts'

/** Objects Bulk API 2.0 refuses (reference §4.6, airbyte UNSUPPORTED_BULK_API_SALESFORCE_OBJECTS, tap). */
export const BULK_UNSUPPORTED_OBJECTS: ReadonlySet<string> = new Set([
  'AcceptedEventRelation',
  'AssetTokenEvent',
  'AttachedContentNote',
  'Attachment',
  'CaseStatus',
  'ContractStatus',
  'DeclinedEventRelation',
  'EventWhoRelation',
  'FieldSecurityClassification',
  'OrderStatus',
  'PartnerRole',
  'QuoteTemplateRichTextData',
  'RecentlyViewed',
  'ServiceAppointmentStatus',
  'SolutionStatus',
  'TaskPriority',
  'TaskStatus',
  'TaskWhoRelation',
  'UndecidedEventRelation',
  'WorkStepStatus',
  'ShiftStatus',
  'WorkOrderStatus',
  'WorkOrderLineItemStatus',
])

/** Objects that cannot be queried on their own or need a filter (reference §4.6): never synced by --all. */
export const QUERY_RESTRICTED_OBJECTS: ReadonlySet<string> = new Set([
  'Announcement',
  'AppTabMember',
  'CollaborationGroupRecord',
  'ColorDefinition',
  'ContentDocumentLink',
  'ContentFolderItem',
  'ContentFolderMember',
  'DataStatistics',
  'DatacloudDandBCompany',
  'EntityParticle',
  'FieldDefinition',
  'FieldHistoryArchive',
  'FlexQueueItem',
  'FlowVariableView',
  'FlowVersionView',
  'IconDefinition',
  'IdeaComment',
  'NetworkUserHistoryRecent',
  'OwnerChangeOptionInfo',
  'PicklistValueInfo',
  'PlatformAction',
  'RelationshipDomain',
  'RelationshipInfo',
  'SearchLayout',
  'SiteDetail',
  'UserEntityAccess',
  'UserFieldAccess',
  'Vote',
  'ActivityHistory',
  'OpenActivity',
  'AttachedContentDocument',
  'CombinedAttachment',
  'NoteAndAttachment',
  'ProcessInstanceHistory',
  'AggregateResult',
  'Name',
  'EmailStatus',
  'FeedLike',
  'FeedSignal',
  'FeedTrackedChange',
  'OwnedContentDocument',
  'FolderedContentDocument',
  'ContentBody',
  'LookedUpFromActivity',
  'OutgoingEmail',
  'OutgoingEmailRelation',
  'UserRecordAccess',
  'ListViewChartInstance',
  'DataType',
])

/** Field types Bulk cannot select (reference §4.2): an object with one of them is read over REST. */
const BULK_UNSUPPORTED_TYPES: ReadonlySet<string> = new Set(['base64', 'json'])
/** Compound fields: never selected; their components are (reference §2.4, §3.5). */
const COMPOUND_TYPES: ReadonlySet<string> = new Set(['address', 'location'])
/** Cursor fields in order of preference (reference §3.3). */
export const CURSOR_FIELDS = ['SystemModstamp', 'LastModifiedDate', 'CreatedDate'] as const

/** What the engine does with one object. */
export interface ObjectPlan {
  readonly object: string
  /** Fields read, in this order (Id first). */
  readonly fields: readonly FieldDescribe[]
  /** The same, as the store needs them. */
  readonly fieldSpecs: readonly FieldSpec[]
  /** SystemModstamp, LastModifiedDate, CreatedDate, or undefined: a full refresh each run. */
  readonly cursorField: string | undefined
  /** Formula (calculated) fields, refreshed on their own schedule. */
  readonly formulaFields: readonly string[]
  /** Whether Bulk API 2.0 may read the object (else REST only), and why not. */
  readonly bulk: { readonly allowed: true } | { readonly allowed: false; readonly reason: string }
  /** Whether the object has IsDeleted (queryAll returns recycle-bin rows). */
  readonly hasIsDeleted: boolean
}

/** The selection a user made. */
export interface ObjectSelection {
  /** API names; case-insensitive. Absent: `all` must be true. */
  readonly objects?: readonly string[]
  readonly all?: boolean
  /** Per object, the fields to read (API names); Id, IsDeleted and the cursor field are always added. */
  readonly fields?: Readonly<Record<string, readonly string[]>>
}

/** Whether describeGlobal's entry can be replicated at all. */
export function isReplicable(o: SObjectSummary): boolean {
  return (
    o.queryable &&
    o.replicateable !== false &&
    o.deprecatedAndHidden !== true &&
    !o.name.endsWith('ChangeEvent') &&
    !QUERY_RESTRICTED_OBJECTS.has(o.name)
  )
}

/**
 * Resolves the user's selection against describeGlobal: exact API names, case-insensitive. An unknown
 * name is an input error (the whole run); a known but non-replicable one is returned in `refused`.
 */
export function selectObjects(
  global: readonly SObjectSummary[],
  selection: ObjectSelection,
): { objects: string[]; refused: { object: string; reason: string }[] } {
  if (selection.all)
    return {
      objects: global
        .filter(isReplicable)
        .map((o) => o.name)
        .sort(),
      refused: [],
    }
  const wanted = selection.objects ?? []
  if (wanted.length === 0)
    throw new InputError('Name the objects to sync (--objects Account,Contact) or pass --all.')
  const byLower = new Map(global.map((o) => [o.name.toLowerCase(), o]))
  const objects: string[] = []
  const refused: { object: string; reason: string }[] = []
  const unknown: string[] = []
  for (const name of wanted) {
    const o = byLower.get(name.trim().toLowerCase())
    if (!o) unknown.push(name)
    else if (!isReplicable(o))
      refused.push({
        object: o.name,
        reason: o.queryable
          ? 'the object cannot be replicated (not replicateable, or needs a filter)'
          : 'the object is not queryable',
      })
    else if (!objects.includes(o.name)) objects.push(o.name)
  }
  if (unknown.length > 0)
    throw new InputError(`The org has no object named ${unknown.map((n) => `"${n}"`).join(', ')}.`, {
      nextStep:
        'Object names are API names, e.g. Account, Invoice__c; `sfsync sync --all` syncs every replicable object.',
    })
  return { objects, refused }
}

function toSpec(f: FieldDescribe): FieldSpec {
  return {
    name: f.name,
    type: f.type,
    ...(f.length !== undefined ? { length: f.length } : {}),
    ...(f.precision !== undefined ? { precision: f.precision } : {}),
    ...(f.scale !== undefined ? { scale: f.scale } : {}),
    ...(f.digits !== undefined ? { digits: f.digits } : {}),
  }
}

/** Plans one object from its describe and the user's field selection. */
export function planObject(describe: SObjectDescribe, wantedFields?: readonly string[]): ObjectPlan {
  const usable = describe.fields.filter((f) => !COMPOUND_TYPES.has(f.type) && f.deprecatedAndHidden !== true)
  const byLower = new Map(usable.map((f) => [f.name.toLowerCase(), f]))
  const cursor = CURSOR_FIELDS.find((c) => usable.some((f) => f.name === c && f.type === 'datetime'))
  let fields: FieldDescribe[]
  if (wantedFields && wantedFields.length > 0) {
    const must = ['Id', 'IsDeleted', ...(cursor ? [cursor] : [])]
    const names = [...must, ...wantedFields]
    const missing = wantedFields.filter((n) => !byLower.has(n.toLowerCase()))
    if (missing.length > 0)
      throw new InputError(
        `${describe.name} has no field ${missing.map((m) => `"${m}"`).join(', ')} that can be synced.`,
      )
    const seen = new Set<string>()
    fields = []
    for (const n of names) {
      const f = byLower.get(n.toLowerCase())
      if (f && !seen.has(f.name)) {
        seen.add(f.name)
        fields.push(f)
      }
    }
  } else fields = usable
  // Id first: the writer and the Id reconciliation rely on it.
  fields = [...fields.filter((f) => f.name === 'Id'), ...fields.filter((f) => f.name !== 'Id')]
  if (fields[0]?.name !== 'Id') throw new InputError(`${describe.name} has no Id field; it cannot be synced.`)
  const badType = fields.find((f) => BULK_UNSUPPORTED_TYPES.has(f.type))
  const bulk: ObjectPlan['bulk'] = BULK_UNSUPPORTED_OBJECTS.has(describe.name)
    ? { allowed: false, reason: 'Bulk API does not support this object' }
    : badType
      ? { allowed: false, reason: `field ${badType.name} (${badType.type}) cannot be read through Bulk API` }
      : { allowed: true }
  return {
    object: describe.name,
    fields,
    fieldSpecs: fields.map(toSpec),
    cursorField: cursor,
    formulaFields: fields.filter((f) => f.calculated === true).map((f) => f.name),
    bulk,
    hasIsDeleted: fields.some((f) => f.name === 'IsDeleted'),
  }
}
