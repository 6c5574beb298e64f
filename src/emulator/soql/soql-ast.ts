/**
 * The engine's SOQL syntax tree. Every node keeps the offset of its token in the query text so that
 * errors can point at it.
 */

/** A dotted field path as written (`Account.Owner.Name` is `['Account', 'Owner', 'Name']`). */
export interface FieldRef {
  readonly kind: 'field'
  readonly path: readonly string[]
  /** Offset of each segment. */
  readonly offsets: readonly number[]
  readonly at: number
}

/** The aggregate functions the engine computes. */
export type AggregateName = 'COUNT' | 'COUNT_DISTINCT' | 'SUM' | 'AVG' | 'MIN' | 'MAX'

/** `COUNT()`, `COUNT(Id)`, `SUM(Amount)`, ... */
export interface AggregateRef {
  readonly kind: 'aggregate'
  readonly fn: AggregateName
  /** Undefined for `COUNT()`. */
  readonly arg: FieldRef | undefined
  readonly at: number
  /** The text as written, e.g. `COUNT(Id)`. */
  readonly text: string
}

/** One item of the SELECT list. */
export type SelectItem =
  | { readonly kind: 'field'; readonly ref: FieldRef; readonly alias: string | undefined }
  | { readonly kind: 'aggregate'; readonly ref: AggregateRef; readonly alias: string | undefined }
  | { readonly kind: 'fields'; readonly which: 'ALL' | 'STANDARD' | 'CUSTOM'; readonly at: number }
  /** A child relationship subquery: `(SELECT LastName FROM Contacts)`. */
  | { readonly kind: 'subquery'; readonly query: ParsedQuery; readonly at: number }

/** A literal value in a condition. */
export type Literal =
  | { readonly kind: 'string'; readonly raw: string; readonly at: number }
  | { readonly kind: 'number'; readonly text: string; readonly at: number }
  | { readonly kind: 'boolean'; readonly value: boolean; readonly at: number }
  | { readonly kind: 'null'; readonly at: number }
  | { readonly kind: 'date'; readonly text: string; readonly at: number }
  | { readonly kind: 'datetime'; readonly text: string; readonly at: number }
  | {
      readonly kind: 'dateLiteral'
      readonly name: string
      readonly n: number | undefined
      readonly at: number
    }

/** A comparison operator (`<>` is parsed as `!=`). */
export type ComparisonOperator =
  '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'IN' | 'NOT IN' | 'INCLUDES' | 'EXCLUDES'

/** `field op value`. */
export interface Comparison {
  readonly kind: 'compare'
  readonly left: FieldRef | AggregateRef
  readonly op: ComparisonOperator
  readonly opAt: number
  /** One literal, a list (IN, NOT IN, INCLUDES, EXCLUDES) or a semi-join subquery. */
  readonly value: Literal | readonly Literal[] | ParsedQuery
  readonly valueAt: number
}

/** A WHERE/HAVING condition tree. */
export type Condition =
  | { readonly kind: 'and' | 'or'; readonly items: readonly Condition[] }
  | { readonly kind: 'not'; readonly item: Condition }
  | Comparison

/** One ORDER BY key. */
export interface OrderItem {
  readonly target: FieldRef | AggregateRef
  readonly descending: boolean
  /** Undefined: Salesforce's default (NULLS FIRST for ASC, NULLS LAST for DESC). */
  readonly nullsFirst: boolean | undefined
}

/** A parsed SELECT statement (the root query or a semi-join subquery). */
export interface ParsedQuery {
  readonly kind: 'query'
  readonly select: readonly SelectItem[]
  readonly selectAt: number
  readonly from: string
  readonly fromAt: number
  readonly alias: string | undefined
  readonly where: Condition | undefined
  readonly groupBy: readonly FieldRef[]
  readonly having: Condition | undefined
  readonly orderBy: readonly OrderItem[]
  readonly limit: { readonly value: number; readonly at: number } | undefined
  readonly offset: { readonly value: number; readonly at: number } | undefined
  /** Offset just past the query (its closing parenthesis for a subquery). */
  readonly end: number
}
