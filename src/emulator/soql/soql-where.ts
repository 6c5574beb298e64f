/**
 * Compiles WHERE and HAVING conditions to SQLite, with SOQL's semantics:
 * - two-valued logic: `Name != 'x'` and `NOT (Name = 'x')` include rows where Name is null;
 * - strings compare case-insensitively (the layout's NOCASE), booleans as 0/1, datetimes as ms;
 * - relative date literals become day ranges (a datetime field compares to the range's instants);
 * - literals must match the field's type, else INVALID_FIELD as Salesforce words it.
 */
import type { SQLInputValue } from 'node:sqlite'
import type { AggregateRef, Comparison, Condition, FieldRef, Literal, ParsedQuery } from './soql-ast.ts'
import { dateLiteralRange, dayToIso, dayToMs, isDateLiteral, parseDatetimeLiteral } from './soql-dates.ts'
import { notSupported, soqlError } from './soql-errors.ts'
import type { ResolvedField } from './soql-fields.ts'
import { decodeString, likePattern, plainValue, type StringPiece } from './soql-strings.ts'
import { normalizeId } from '../ids.ts'

/** What a comparison's left side is, for type checks. */
export type ValueKind =
  | 'id'
  | 'text'
  | 'multipicklist'
  | 'boolean'
  | 'integer'
  | 'double'
  | 'date'
  | 'datetime'
  | 'unfilterable'
  /** Filterable in Salesforce, not by the engine (time fields, base64). */
  | 'unsupported'

/** A compiled operand: its SQL, its kind, and the field name errors mention. */
export interface Operand {
  readonly sql: string
  readonly kind: ValueKind
  readonly name: string
}

/** What compiling a condition needs from the query around it. */
export interface WhereContext {
  readonly soql: string
  readonly nowMs: number
  readonly params: SQLInputValue[]
  /** Resolves a field of the WHERE/HAVING (throws INVALID_FIELD and the like). */
  field(ref: FieldRef): Operand
  /** HAVING only: an aggregate's SQL. */
  aggregate?(ref: AggregateRef): Operand
  /** Compiles a semi-join subquery to `SELECT <id> FROM ...`; undefined refuses them. */
  semiJoin?(query: ParsedQuery, left: Operand, anti: boolean): string
}

/** The kind of a resolved field. */
export function valueKind(f: ResolvedField): ValueKind {
  if (f.field.filterable === false) return 'unfilterable'
  switch (f.storage) {
    case 'id':
      return 'id'
    case 'text':
      return f.field.type === 'multipicklist' ? 'multipicklist' : 'text'
    case 'boolean':
      return 'boolean'
    case 'integer':
      return 'integer'
    case 'real':
      return 'double'
    case 'date':
      return 'date'
    case 'datetime':
      return 'datetime'
    case 'compound':
      // UNCONFIRMED: the describe marks address fields filterable, but only DISTANCE() filters them.
      return 'unfilterable'
    default:
      return 'unsupported'
  }
}

/** Compiles `cond` to an SQL boolean expression; `params` receives the bound values. */
export function compileCondition(cond: Condition, ctx: WhereContext): string {
  return compile(cond, ctx, true)
}

function compile(cond: Condition, ctx: WhereContext, topLevel: boolean): string {
  switch (cond.kind) {
    case 'and':
      return `(${cond.items.map((c) => compile(c, ctx, topLevel)).join(' AND ')})`
    case 'or':
      return `(${cond.items.map((c) => compile(c, ctx, false)).join(' OR ')})`
    case 'not':
      // `x IS NOT 1` is true for 0 and NULL: SOQL's NOT treats an unknown comparison as false.
      return `((${compile(cond.item, ctx, false)}) IS NOT 1)`
    default:
      return comparison(cond, ctx, topLevel)
  }
}

/** A literal turned into what SQL compares against. */
type Term =
  | { readonly kind: 'value'; readonly value: SQLInputValue }
  | { readonly kind: 'null' }
  | { readonly kind: 'range'; readonly start: SQLInputValue; readonly end: SQLInputValue }

function comparison(c: Comparison, ctx: WhereContext, topLevel: boolean): string {
  const left = c.left.kind === 'field' ? ctx.field(c.left) : aggregateOperand(c.left, ctx)
  if (left.kind === 'unsupported')
    throw notSupported(ctx.soql, c.left.at, `Filtering on field '${left.name}'`)
  if (left.kind === 'unfilterable')
    throw soqlError(
      'INVALID_FIELD',
      ctx.soql,
      c.left.at,
      `field '${left.name}' can not be filtered in query call`,
    )
  if (!Array.isArray(c.value) && (c.value as ParsedQuery | Literal).kind === 'query')
    return semiJoin(c, c.value as ParsedQuery, left, ctx, topLevel)
  const p = (v: SQLInputValue): string => {
    ctx.params.push(v)
    return '?'
  }
  const col = left.sql
  switch (c.op) {
    case 'LIKE': {
      const lit = c.value as Literal
      if (left.kind === 'id')
        throw soqlError('INVALID_QUERY_FILTER_OPERATOR', ctx.soql, c.left.at, 'invalid operator on id field')
      if (left.kind !== 'text')
        // UNCONFIRMED text: LIKE on a non-string field.
        throw soqlError('INVALID_FIELD', ctx.soql, c.opAt, `invalid operator on field '${left.name}': LIKE`)
      if (lit.kind === 'null') return '0'
      const pieces = stringPieces(lit, left, ctx)
      // SQLite's LIKE folds ASCII only; a pattern with other letters goes through JS.
      if (pieces.some((piece) => 'text' in piece && !isAscii(piece.text)))
        return `soql_like(${col}, ${p(likeRegExpSource(pieces))})`
      return `${col} LIKE ${p(likePattern(pieces))} ESCAPE '\\'`
    }
    case 'INCLUDES':
    case 'EXCLUDES': {
      if (left.kind !== 'multipicklist')
        // UNCONFIRMED text.
        throw soqlError(
          'INVALID_QUERY_FILTER_OPERATOR',
          ctx.soql,
          c.opAt,
          'includes or excludes operator only valid on multipicklist field',
        )
      const groups = (c.value as readonly Literal[]).map((l) =>
        splitPicklist(plainValue(stringPieces(l, left, ctx))),
      )
      const test = `soql_includes(${col}, ${p(JSON.stringify(groups))})`
      // UNCONFIRMED: EXCLUDES keeps rows whose multipicklist is empty (null).
      return c.op === 'INCLUDES' ? test : `(${test} IS NOT 1)`
    }
    case 'IN':
    case 'NOT IN': {
      const parts: string[] = []
      const values: SQLInputValue[] = []
      for (const lit of c.value as readonly Literal[]) {
        const t = term(lit, left, ctx)
        if (t.kind === 'null') parts.push(`${col} IS NULL`)
        else if (t.kind === 'range') parts.push(`(${col} >= ${p(t.start)} AND ${col} < ${p(t.end)})`)
        else if (left.kind === 'multipicklist') parts.push(`soql_picklist_equals(${col}, ${p(t.value)})`)
        else values.push(t.value)
      }
      if (values.some(isFoldable))
        parts.unshift(
          `soql_fold(${col}) IN (${values.map((v) => p(typeof v === 'string' ? fold(v) : v)).join(', ')})`,
        )
      else if (values.length > 0) parts.unshift(`${col} IN (${values.map(p).join(', ')})`)
      const test = parts.length === 1 ? (parts[0] as string) : `(${parts.join(' OR ')})`
      // UNCONFIRMED: NOT IN, like !=, keeps rows where the field is null.
      return c.op === 'IN' ? test : `((${test}) IS NOT 1)`
    }
    default: {
      const t = term(c.value as Literal, left, ctx)
      const op = c.op
      if (t.kind === 'null') {
        if (op === '=') return `${col} IS NULL`
        if (op === '!=') return `${col} IS NOT NULL`
        // UNCONFIRMED text: ordering against null.
        throw soqlError('MALFORMED_QUERY', ctx.soql, c.valueAt, `invalid operator for null value: '${op}'`)
      }
      if (left.kind === 'boolean' && op !== '=' && op !== '!=')
        // UNCONFIRMED text.
        throw soqlError(
          'INVALID_QUERY_FILTER_OPERATOR',
          ctx.soql,
          c.opAt,
          `invalid operator on boolean field`,
        )
      if (left.kind === 'multipicklist' && op !== '=' && op !== '!=')
        throw soqlError(
          'INVALID_QUERY_FILTER_OPERATOR',
          ctx.soql,
          c.opAt,
          `invalid operator on multipicklist field`,
        )
      if (t.kind === 'range') {
        const s = t.start
        const e = t.end
        switch (op) {
          case '=':
            return `(${col} >= ${p(s)} AND ${col} < ${p(e)})`
          case '!=':
            return `(${col} IS NULL OR ${col} < ${p(s)} OR ${col} >= ${p(e)})`
          case '<':
            return `${col} < ${p(s)}`
          case '<=':
            return `${col} < ${p(e)}`
          case '>':
            return `${col} >= ${p(e)}`
          default:
            return `${col} >= ${p(s)}`
        }
      }
      if (left.kind === 'multipicklist') {
        const test = `soql_picklist_equals(${col}, ${p(t.value)})`
        return op === '=' ? test : `(${test} IS NOT 1)`
      }
      if ((op === '=' || op === '!=') && isFoldable(t.value)) {
        const test = `soql_fold(${col}) = ${p(fold(t.value))}`
        return op === '=' ? test : `(${test} IS NOT 1)`
      }
      if (op === '!=') return `(${col} IS NULL OR ${col} <> ${p(t.value)})`
      return `${col} ${op} ${p(t.value)}`
    }
  }
}

function aggregateOperand(ref: AggregateRef, ctx: WhereContext): Operand {
  if (!ctx.aggregate) throw soqlError('MALFORMED_QUERY', ctx.soql, ref.at, `unexpected token: '${ref.fn}'`)
  return ctx.aggregate(ref)
}

function semiJoin(
  c: Comparison,
  sub: ParsedQuery,
  left: Operand,
  ctx: WhereContext,
  topLevel: boolean,
): string {
  if (!ctx.semiJoin)
    // UNCONFIRMED text.
    throw soqlError(
      'MALFORMED_QUERY',
      ctx.soql,
      sub.selectAt,
      'Nesting of semi join sub-selects is not supported',
    )
  if (!topLevel)
    throw soqlError(
      'MALFORMED_QUERY',
      ctx.soql,
      sub.selectAt,
      'Semi join sub-selects are only allowed at the top level WHERE expressions and not in nested WHERE expressions.',
    )
  const anti = c.op === 'NOT IN'
  const select = ctx.semiJoin(sub, left, anti)
  return anti ? `(${left.sql} IS NULL OR ${left.sql} NOT IN (${select}))` : `${left.sql} IN (${select})`
}

const TYPE_NAMES: Record<ValueKind, string> = {
  id: 'id',
  text: 'string',
  multipicklist: 'string',
  boolean: 'boolean',
  integer: 'integer',
  double: 'double',
  date: 'date',
  datetime: 'dateTime',
  unfilterable: 'string',
  unsupported: 'string',
}

/**
 * INVALID_FIELD for a literal of the wrong type. The wording is Salesforce's for dateTime/date; the
 * type names used for numbers (integer, double) are UNCONFIRMED.
 */
function wrongType(lit: Literal, left: Operand, ctx: WhereContext): Error {
  const quoted = left.kind === 'id' || left.kind === 'text' || left.kind === 'multipicklist'
  return soqlError(
    'INVALID_FIELD',
    ctx.soql,
    lit.at,
    `value of filter criterion for field '${left.name}' must be of type ${TYPE_NAMES[left.kind]} and should ` +
      `${quoted ? '' : 'not '}be enclosed in quotes`,
  )
}

function stringPieces(lit: Literal, left: Operand, ctx: WhereContext): StringPiece[] {
  if (lit.kind !== 'string') throw wrongType(lit, left, ctx)
  const pieces = decodeString(lit.raw)
  if (typeof pieces === 'number')
    // UNCONFIRMED text: Salesforce reports a bad escape as a lexing failure.
    throw soqlError(
      'MALFORMED_QUERY',
      ctx.soql,
      lit.at + pieces,
      `Invalid string literal '${lit.raw}'. Illegal escape sequence`,
    )
  return pieces
}

function term(lit: Literal, left: Operand, ctx: WhereContext): Term {
  if (lit.kind === 'null') return { kind: 'null' }
  switch (left.kind) {
    case 'id': {
      const s = plainValue(stringPieces(lit, left, ctx))
      // UNCONFIRMED: an empty string compared with an id field means null (orgs store no empty ids).
      if (s === '') return { kind: 'null' }
      const id = normalizeId(s)
      if (!id) throw soqlError('INVALID_QUERY_FILTER_OPERATOR', ctx.soql, lit.at, `invalid ID field: ${s}`)
      return { kind: 'value', value: id }
    }
    case 'text':
    case 'multipicklist': {
      const s = plainValue(stringPieces(lit, left, ctx))
      // UNCONFIRMED: orgs store no empty strings, so '' finds nulls.
      return s === '' ? { kind: 'null' } : { kind: 'value', value: s }
    }
    case 'boolean':
      if (lit.kind !== 'boolean') throw wrongType(lit, left, ctx)
      return { kind: 'value', value: lit.value ? 1 : 0 }
    case 'integer':
    case 'double':
      if (lit.kind !== 'number') throw wrongType(lit, left, ctx)
      return { kind: 'value', value: Number(lit.text) }
    case 'date':
      if (lit.kind === 'dateLiteral') {
        const r = dateLiteralRange(lit.name, lit.n, ctx.nowMs)
        return { kind: 'range', start: dayToIso(r.start), end: dayToIso(r.end) }
      }
      if (lit.kind !== 'date') throw wrongType(lit, left, ctx)
      if (!isDateLiteral(lit.text))
        throw soqlError('MALFORMED_QUERY', ctx.soql, lit.at, `unexpected token: '${lit.text}'`)
      return { kind: 'value', value: lit.text }
    case 'datetime': {
      if (lit.kind === 'dateLiteral') {
        const r = dateLiteralRange(lit.name, lit.n, ctx.nowMs)
        return { kind: 'range', start: dayToMs(r.start), end: dayToMs(r.end) }
      }
      if (lit.kind !== 'datetime') throw wrongType(lit, left, ctx)
      const ms = parseDatetimeLiteral(lit.text)
      if (ms === undefined)
        throw soqlError('MALFORMED_QUERY', ctx.soql, lit.at, `unexpected token: '${lit.text}'`)
      return { kind: 'value', value: ms }
    }
    default:
      throw wrongType(lit, left, ctx)
  }
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false
  return true
}

/**
 * A string value the layout's NOCASE (ASCII-only folding) cannot compare case-insensitively: compared
 * through `soql_fold` instead, as SOQL ignores case in every alphabet. Ordering comparisons (< >)
 * keep NOCASE: UNCONFIRMED how Salesforce collates non-ASCII text.
 */
function isFoldable(v: SQLInputValue): v is string {
  return typeof v === 'string' && !isAscii(v)
}

/** Case folding shared with the `soql_fold` SQL function. */
export function fold(v: string): string {
  return v.toLowerCase()
}

/** A RegExp source with the LIKE pattern's meaning (anchored; `s` and `i` flags added by soql_like). */
function likeRegExpSource(pieces: readonly StringPiece[]): string {
  let src = '^'
  for (const piece of pieces) {
    if ('text' in piece) src += piece.text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
    else src += piece.wildcard === '%' ? '.*' : '.'
  }
  return `${src}$`
}

/** The values of a multipicklist string (`a;b`), trimmed, lower-cased for comparison. */
export function splitPicklist(value: string): string[] {
  return value
    .split(';')
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v !== '')
}
