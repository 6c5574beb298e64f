/**
 * Parsing with two grammars: the engine's own parser (positions, precedence, Salesforce's AND/OR
 * rule) builds the tree, and `@jetstreamapp/soql-parser-js` — the SOQL grammar this project adopted —
 * must also accept the text, so that anything the engine's parser is too lenient about is still
 * refused as MALFORMED_QUERY. The library's own tree is not used: it returns WHERE clauses as a flat
 * chain (`a AND b OR c` comes back as `a AND (b OR c)`) and keeps no token positions for the caret.
 */
import { parseQuery } from '@jetstreamapp/soql-parser-js'
import type { ParsedQuery } from './soql-ast.ts'
import { soqlError } from './soql-errors.ts'
import { tokenize } from './soql-lexer.ts'
import { parseSoql } from './soql-parser.ts'

/** Parses `soql`, throwing a Salesforce-shaped SoqlError when either grammar refuses it. */
export function parseChecked(soql: string): ParsedQuery {
  const query = parseSoql(soql)
  try {
    parseQuery(soql)
  } catch (e) {
    // The library's errors carry only the text of the token it stopped at ("but found: 'X'").
    const found = /but found: '([^']*)'/.exec(e instanceof Error ? e.message : '')?.[1] ?? ''
    const token = found ? tokenize(soql).find((t) => t.text.toLowerCase() === found.toLowerCase()) : undefined
    const offset = token ? token.start : soql.length
    throw soqlError('MALFORMED_QUERY', soql, offset, `unexpected token: '${token ? token.text : '<EOF>'}'`)
  }
  return query
}
