/**
 * A recursive-descent parser for the SOQL the emulator runs, producing a tree with token offsets.
 * Salesforce's syntax rules that matter for answers are enforced here: AND and OR cannot be mixed
 * without parentheses (`unexpected token: 'OR'`), and NOT only opens an expression.
 * Valid SOQL the engine does not implement (TYPEOF, date functions, USING SCOPE, ...) is refused
 * with `notSupported`, never parsed into something else.
 */
import type { SoqlError } from '../data/org-data.ts'
import type {
  AggregateName,
  AggregateRef,
  Comparison,
  ComparisonOperator,
  Condition,
  FieldRef,
  Literal,
  OrderItem,
  ParsedQuery,
  SelectItem,
} from './soql-ast.ts'
import { notSupported, soqlError } from './soql-errors.ts'
import { tokenize, type Token } from './soql-lexer.ts'
import { AGGREGATES, CLAUSE_WORDS, DATE_LITERALS, DATE_N_LITERALS, OTHER_FUNCTIONS } from './soql-keywords.ts'

/** Parses `soql`; throws SoqlError (MALFORMED_QUERY) with the caret under the offending token. */
export function parseSoql(soql: string): ParsedQuery {
  const parser = new Parser(soql, tokenize(soql))
  const query = parser.query()
  parser.expectEnd()
  return query
}

class Parser {
  readonly #soql: string
  readonly #tokens: Token[]
  #i = 0

  constructor(soql: string, tokens: Token[]) {
    this.#soql = soql
    this.#tokens = tokens
  }

  get #t(): Token {
    return this.#tokens[this.#i] as Token
  }

  #peek(n = 1): Token {
    return this.#tokens[Math.min(this.#i + n, this.#tokens.length - 1)] as Token
  }

  #next(): Token {
    const t = this.#t
    if (t.kind !== 'eof') this.#i++
    return t
  }

  #unexpected(t: Token = this.#t): SoqlError {
    return soqlError('MALFORMED_QUERY', this.#soql, t.start, `unexpected token: '${t.text}'`)
  }

  #isWord(word: string, t: Token = this.#t): boolean {
    return t.kind === 'ident' && t.upper === word
  }

  #expectWord(word: string): Token {
    if (!this.#isWord(word)) throw this.#unexpected()
    return this.#next()
  }

  #expectPunct(p: string): Token {
    if (this.#t.kind !== 'punct' || this.#t.text !== p) throw this.#unexpected()
    return this.#next()
  }

  #isPunct(p: string, t: Token = this.#t): boolean {
    return t.kind === 'punct' && t.text === p
  }

  expectEnd(): void {
    if (this.#t.kind !== 'eof') throw this.#unexpected()
  }

  query(): ParsedQuery {
    const selectAt = this.#expectWord('SELECT').start
    const select: SelectItem[] = []
    do {
      if (select.length > 0) this.#next()
      select.push(this.#selectItem())
    } while (this.#isPunct(','))
    this.#expectWord('FROM')
    const objTok = this.#t
    if (objTok.kind !== 'ident') throw this.#unexpected()
    this.#next()
    let alias: string | undefined
    if (this.#t.kind === 'ident' && !CLAUSE_WORDS.has(this.#t.upper)) alias = this.#next().text
    if (this.#isWord('USING')) throw notSupported(this.#soql, this.#t.start, 'USING SCOPE')
    let where: Condition | undefined
    if (this.#isWord('WHERE')) {
      this.#next()
      where = this.#condition(false)
    }
    if (this.#isWord('WITH')) this.#withClause()
    const groupBy: FieldRef[] = []
    let having: Condition | undefined
    if (this.#isWord('GROUP')) {
      this.#next()
      this.#expectWord('BY')
      if ((this.#isWord('ROLLUP') || this.#isWord('CUBE')) && this.#isPunct('(', this.#peek()))
        throw notSupported(this.#soql, this.#t.start, `GROUP BY ${this.#t.upper}`)
      do {
        if (groupBy.length > 0) this.#next()
        groupBy.push(this.#fieldRef())
      } while (this.#isPunct(','))
      if (this.#isWord('HAVING')) {
        this.#next()
        having = this.#condition(true)
      }
    }
    const orderBy: OrderItem[] = []
    if (this.#isWord('ORDER')) {
      this.#next()
      this.#expectWord('BY')
      do {
        if (orderBy.length > 0) this.#next()
        orderBy.push(this.#orderItem())
      } while (this.#isPunct(','))
    }
    const limit = this.#isWord('LIMIT') ? this.#count() : undefined
    const offset = this.#isWord('OFFSET') ? this.#count() : undefined
    if (this.#isWord('FOR')) {
      const at = this.#next().start
      if (this.#isWord('VIEW') || this.#isWord('REFERENCE')) this.#next()
      else if (this.#isWord('UPDATE')) throw notSupported(this.#soql, at, 'FOR UPDATE')
      else throw this.#unexpected()
    }
    if (this.#isWord('UPDATE')) throw notSupported(this.#soql, this.#t.start, 'UPDATE TRACKING/VIEWSTAT')
    return {
      kind: 'query',
      select,
      selectAt,
      from: objTok.text,
      fromAt: objTok.start,
      alias,
      where,
      groupBy,
      having,
      orderBy,
      limit,
      offset,
      end: this.#t.start,
    }
  }

  #withClause(): void {
    const at = this.#next().start
    // Access-mode clauses change nothing for the emulator's all-powerful user.
    if (this.#isWord('SECURITY_ENFORCED') || this.#isWord('USER_MODE') || this.#isWord('SYSTEM_MODE')) {
      this.#next()
      return
    }
    throw notSupported(this.#soql, at, 'WITH')
  }

  #count(): { value: number; at: number } {
    this.#next()
    const t = this.#t
    if (t.kind !== 'number' || !/^\d+$/.test(t.text)) throw this.#unexpected()
    this.#next()
    // Beyond 2^31 a LIMIT means "all rows"; clamping keeps the value an SQLite integer.
    return { value: Math.min(Number(t.text), 2_147_483_647), at: t.start }
  }

  #selectItem(): SelectItem {
    const t = this.#t
    if (this.#isPunct('(')) {
      if (!this.#isWord('SELECT', this.#peek())) throw this.#unexpected()
      this.#next()
      const query = this.query()
      this.#expectPunct(')')
      return { kind: 'subquery', query, at: t.start }
    }
    if (t.kind !== 'ident' || CLAUSE_WORDS.has(t.upper)) throw this.#unexpected()
    if (t.upper === 'TYPEOF') throw notSupported(this.#soql, t.start, 'TYPEOF')
    if (this.#isPunct('(', this.#peek())) {
      if (t.upper === 'FIELDS') {
        this.#next()
        this.#next()
        const which = this.#t
        if (which.kind !== 'ident' || !['ALL', 'STANDARD', 'CUSTOM'].includes(which.upper))
          throw this.#unexpected()
        this.#next()
        this.#expectPunct(')')
        return { kind: 'fields', which: which.upper as 'ALL' | 'STANDARD' | 'CUSTOM', at: t.start }
      }
      const ref = this.#aggregate()
      return { kind: 'aggregate', ref, alias: this.#alias() }
    }
    const ref = this.#fieldRef()
    return { kind: 'field', ref, alias: this.#alias() }
  }

  #alias(): string | undefined {
    const t = this.#t
    if (t.kind === 'ident' && !CLAUSE_WORDS.has(t.upper)) return this.#next().text
    return undefined
  }

  #aggregate(): AggregateRef {
    const t = this.#t
    if (OTHER_FUNCTIONS.has(t.upper)) throw notSupported(this.#soql, t.start, `The ${t.text}() function`)
    if (!AGGREGATES.has(t.upper)) throw this.#unexpected()
    this.#next()
    this.#expectPunct('(')
    let arg: FieldRef | undefined
    if (!this.#isPunct(')')) {
      if (this.#t.kind === 'ident' && this.#isPunct('(', this.#peek()))
        throw notSupported(this.#soql, this.#t.start, 'A function inside an aggregate function')
      arg = this.#fieldRef()
    } else if (t.upper !== 'COUNT') {
      throw this.#unexpected()
    }
    const close = this.#expectPunct(')')
    return {
      kind: 'aggregate',
      fn: t.upper as AggregateName,
      arg,
      at: t.start,
      text: this.#soql.slice(t.start, close.start + 1),
    }
  }

  #fieldRef(): FieldRef {
    const first = this.#t
    if (first.kind !== 'ident' || CLAUSE_WORDS.has(first.upper)) throw this.#unexpected()
    const path = [this.#next().text]
    const offsets = [first.start]
    while (this.#isPunct('.')) {
      this.#next()
      const seg = this.#t
      if (seg.kind !== 'ident') throw this.#unexpected()
      path.push(this.#next().text)
      offsets.push(seg.start)
    }
    return { kind: 'field', path, offsets, at: first.start }
  }

  #orderItem(): OrderItem {
    const t = this.#t
    const target: FieldRef | AggregateRef =
      t.kind === 'ident' && this.#isPunct('(', this.#peek()) ? this.#aggregate() : this.#fieldRef()
    let descending = false
    if (this.#isWord('ASC')) this.#next()
    else if (this.#isWord('DESC')) {
      this.#next()
      descending = true
    }
    let nullsFirst: boolean | undefined
    if (this.#isWord('NULLS')) {
      this.#next()
      if (this.#isWord('FIRST')) nullsFirst = true
      else if (this.#isWord('LAST')) nullsFirst = false
      else throw this.#unexpected()
      this.#next()
    }
    return { target, descending, nullsFirst }
  }

  /**
   * expression := NOT operand | operand ((AND operand)* | (OR operand)*)
   * UNCONFIRMED: `NOT a AND b` is refused (Salesforce documents NOT only as `(NOT a)` / leading NOT).
   */
  #condition(inHaving: boolean): Condition {
    if (this.#isWord('NOT')) {
      this.#next()
      return { kind: 'not', item: this.#operand(inHaving) }
    }
    const first = this.#operand(inHaving)
    const joiner = this.#t
    if (!this.#isWord('AND') && !this.#isWord('OR')) return first
    const items = [first]
    while (this.#isWord(joiner.upper)) {
      this.#next()
      if (this.#isWord('NOT')) throw this.#unexpected()
      items.push(this.#operand(inHaving))
    }
    if (this.#isWord('AND') || this.#isWord('OR')) throw this.#unexpected()
    return { kind: joiner.upper === 'AND' ? 'and' : 'or', items }
  }

  #operand(inHaving: boolean): Condition {
    if (this.#isPunct('(')) {
      this.#next()
      const inner = this.#condition(inHaving)
      this.#expectPunct(')')
      return inner
    }
    return this.#comparison(inHaving)
  }

  #comparison(inHaving: boolean): Comparison {
    const t = this.#t
    let left: FieldRef | AggregateRef
    if (t.kind === 'ident' && this.#isPunct('(', this.#peek())) {
      if (!inHaving && AGGREGATES.has(t.upper)) throw this.#unexpected(this.#peek())
      left = this.#aggregate()
    } else {
      left = this.#fieldRef()
    }
    const opTok = this.#t
    let op: ComparisonOperator
    if (opTok.kind === 'op') op = opTok.text === '<>' ? '!=' : (opTok.text as ComparisonOperator)
    else if (
      this.#isWord('LIKE') ||
      this.#isWord('IN') ||
      this.#isWord('INCLUDES') ||
      this.#isWord('EXCLUDES')
    )
      op = opTok.upper as ComparisonOperator
    else if (this.#isWord('NOT') && this.#isWord('IN', this.#peek())) {
      this.#next()
      op = 'NOT IN'
    } else throw this.#unexpected()
    this.#next()
    const valueAt = this.#t.start
    if (op === 'IN' || op === 'NOT IN' || op === 'INCLUDES' || op === 'EXCLUDES') {
      this.#expectPunct('(')
      if (this.#isWord('SELECT')) {
        if (op !== 'IN' && op !== 'NOT IN') throw this.#unexpected()
        const sub = this.query()
        this.#expectPunct(')')
        return { kind: 'compare', left, op, opAt: opTok.start, value: sub, valueAt: sub.selectAt }
      }
      const list: Literal[] = []
      do {
        if (list.length > 0) this.#next()
        list.push(this.#literal())
      } while (this.#isPunct(','))
      this.#expectPunct(')')
      return { kind: 'compare', left, op, opAt: opTok.start, value: list, valueAt }
    }
    return { kind: 'compare', left, op, opAt: opTok.start, value: this.#literal(), valueAt }
  }

  #literal(): Literal {
    const t = this.#t
    switch (t.kind) {
      case 'string':
        this.#next()
        return { kind: 'string', raw: t.text, at: t.start }
      case 'number':
        this.#next()
        return { kind: 'number', text: t.text, at: t.start }
      case 'date':
        this.#next()
        return { kind: 'date', text: t.text, at: t.start }
      case 'datetime':
        this.#next()
        return { kind: 'datetime', text: t.text, at: t.start }
      case 'colon-ident':
        throw notSupported(this.#soql, t.start, 'An Apex bind variable')
      case 'ident':
        break
      default:
        throw this.#unexpected()
    }
    if (t.upper === 'TRUE' || t.upper === 'FALSE') {
      this.#next()
      return { kind: 'boolean', value: t.upper === 'TRUE', at: t.start }
    }
    if (t.upper === 'NULL') {
      this.#next()
      return { kind: 'null', at: t.start }
    }
    if (DATE_LITERALS.has(t.upper)) {
      this.#next()
      return { kind: 'dateLiteral', name: t.upper, n: undefined, at: t.start }
    }
    if (DATE_N_LITERALS.test(t.upper)) {
      this.#next()
      this.#expectPunct(':')
      const n = this.#t
      if (n.kind !== 'number' || !/^\d+$/.test(n.text)) throw this.#unexpected()
      this.#next()
      return { kind: 'dateLiteral', name: t.upper, n: Number(n.text), at: t.start }
    }
    throw this.#unexpected()
  }
}
