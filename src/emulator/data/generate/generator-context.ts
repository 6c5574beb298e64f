/**
 * What each per-object row generator receives: its PRNG, the row number, the time frame of the
 * generated history, and helpers to point lookups at records that exist (or will, once generation ends).
 */
import type { OrgSObjectSchema } from '../schema/sobject-schema.ts'
import type { Row } from '../records/derived-fields.ts'
import type { Prng } from './prng.ts'

/** One day in ms. */
export const DAY_MS = 86_400_000
/** Generated history spans about two years before the anchor. */
export const HISTORY_MS = 730 * DAY_MS

/** The per-row view a RowGenerator gets (one object, reused across rows). */
export interface GeneratorContext {
  readonly rng: Prng
  readonly schema: OrgSObjectSchema
  /** 1-based row number (also the id counter). */
  readonly n: number
  readonly count: number
  /** Ids of the users who own and create records (active users). */
  readonly userIds: readonly string[]
  /** Emulated time the generated history ends at (start of the UTC day the org was opened). */
  readonly anchorMs: number
  /** This row's CreatedDate (ms). */
  readonly createdMs: number
  /** Id of the `n`th record of `sobject`. */
  idOf(sobject: string, n: number): string
  /** A random record of `sobject` with probability `p` (null otherwise, or when none are generated). */
  ref(sobject: string, p?: number): string | null
  /** Active picklist values of a field of this object. */
  picklist(field: string): readonly string[]
}

/** A row generator fills the fields of one record that the framework does not (ids, audit, defaults). */
export type RowGenerator = (ctx: GeneratorContext, row: Row) => void

/** `YYYY-MM-DD` of an epoch ms. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

/** A random instant in [from, to], millisecond precision. */
export function between(ctx: GeneratorContext, from: number, to: number): number {
  return Math.floor(from + ctx.rng.next() * Math.max(0, to - from))
}

/** A picklist value, or null with probability 1 - p. */
export function maybePick(ctx: GeneratorContext, field: string, p: number): string | null {
  const values = ctx.picklist(field)
  return values.length > 0 && ctx.rng.chance(p) ? ctx.rng.pick(values) : null
}
