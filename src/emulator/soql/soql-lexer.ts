/**
 * Tokens of a SOQL query with their positions, so that every error can put its caret under the
 * offending token as Salesforce does (`ERROR at Row:1:Column:8`).
 */
import { soqlError } from './soql-errors.ts'

/** What a token is. */
export type TokenKind =
  'ident' | 'string' | 'number' | 'date' | 'datetime' | 'op' | 'punct' | 'colon-ident' | 'eof'

/** A token and where it starts in the query. */
export interface Token {
  readonly kind: TokenKind
  /** The text as written (string literals with their quotes). */
  readonly text: string
  /** Upper-cased text, for keyword matching. */
  readonly upper: string
  /** Offset in the query. */
  readonly start: number
}

// Sticky patterns, matched at the current offset.
const DATETIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})/y
const DATE = /\d{4}-\d{2}-\d{2}(?![\w:.])/y
const NUMBER = /[+-]?(\d+(\.\d+)?|\.\d+)(?!\w)/y
const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y

function matchAt(re: RegExp, text: string, at: number): string | undefined {
  re.lastIndex = at
  return re.exec(text)?.[0]
}

/** Splits `soql` into tokens; throws MALFORMED_QUERY on a character no token starts with. */
export function tokenize(soql: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  const push = (kind: TokenKind, text: string, start: number): void => {
    tokens.push({ kind, text, upper: text.toUpperCase(), start })
  }
  while (i < soql.length) {
    const c = soql[i] as string
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      i++
      continue
    }
    if (c === "'") {
      const end = stringEnd(soql, i)
      if (end < 0) throw soqlError('MALFORMED_QUERY', soql, i, `unexpected token: '${soql.slice(i)}'`)
      push('string', soql.slice(i, end), i)
      i = end
      continue
    }
    const digit = c >= '0' && c <= '9'
    if (digit || c === '-' || c === '+' || c === '.') {
      const dt = digit ? (matchAt(DATETIME, soql, i) ?? matchAt(DATE, soql, i)) : undefined
      if (dt) {
        push(dt.includes('T') ? 'datetime' : 'date', dt, i)
        i += dt.length
        continue
      }
      const n = matchAt(NUMBER, soql, i)
      if (n) {
        push('number', n, i)
        i += n.length
        continue
      }
    }
    const id = matchAt(IDENT, soql, i)
    if (id) {
      push('ident', id, i)
      i += id.length
      continue
    }
    if (c === ':') {
      // Apex bind variables (`:name`) only exist inside Apex; the API refuses them.
      const bind = matchAt(IDENT, soql, i + 1)
      if (bind) {
        push('colon-ident', `:${bind}`, i)
        i += 1 + bind.length
        continue
      }
      push('punct', ':', i)
      i++
      continue
    }
    const two = soql.slice(i, i + 2)
    if (two === '!=' || two === '<>' || two === '<=' || two === '>=') {
      push('op', two, i)
      i += 2
      continue
    }
    if (c === '=' || c === '<' || c === '>') {
      push('op', c, i)
      i++
      continue
    }
    if (c === '(' || c === ')' || c === ',' || c === '.') {
      push('punct', c, i)
      i++
      continue
    }
    throw soqlError('MALFORMED_QUERY', soql, i, `unexpected token: '${c}'`)
  }
  tokens.push({ kind: 'eof', text: '<EOF>', upper: '<EOF>', start: soql.length })
  return tokens
}

/** Offset just after the closing quote of the string literal starting at `start`, or -1. */
function stringEnd(soql: string, start: number): number {
  for (let i = start + 1; i < soql.length; i++) {
    const c = soql[i]
    if (c === '\\') i++
    else if (c === "'") return i + 1
  }
  return -1
}
