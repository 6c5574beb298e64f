/**
 * SOQL errors in Salesforce's layout: the query line echoed, a caret under the offending token, the
 * position, then the message (reference/salesforce-data-api.md §2.12):
 * `\nSELECT Foo FROM Account\n       ^\nERROR at Row:1:Column:8\nNo such column 'Foo' on entity ...`
 */
import { SoqlError } from '../data/org-data.ts'

/**
 * A SoqlError whose message points at `offset` in `soql`. Row and Column are 1-based; Salesforce
 * counts rows by line breaks in the query text.
 * UNCONFIRMED: for multi-line queries the echo is the offending line alone (real orgs seem to echo a
 * window of text around the token; the exact window is unknown).
 */
export function soqlError(errorCode: string, soql: string, offset: number, message: string): SoqlError {
  const lineStart = soql.lastIndexOf('\n', offset - 1) + 1
  const lineEndAt = soql.indexOf('\n', offset)
  const line = soql.slice(lineStart, lineEndAt < 0 ? soql.length : lineEndAt).replace(/\r$/, '')
  let row = 1
  for (let i = 0; i < lineStart; i++) if (soql.charCodeAt(i) === 10) row++
  const column = offset - lineStart + 1
  const text = `\n${line}\n${' '.repeat(column - 1)}^\nERROR at Row:${row}:Column:${column}\n${message}`
  return new SoqlError(errorCode, text)
}

/** INVALID_FIELD for an unknown field name on an object. */
export function noSuchColumn(soql: string, offset: number, field: string, entity: string): SoqlError {
  return soqlError(
    'INVALID_FIELD',
    soql,
    offset,
    `No such column '${field}' on entity '${entity}'. If you are attempting to use a custom field, be sure ` +
      `to append the '__c' after the custom field name. Please reference your WSDL or the describe call for ` +
      `the appropriate names.`,
  )
}

/** INVALID_FIELD for an unknown relationship in a dotted path. */
export function unknownRelationship(soql: string, offset: number, relationship: string): SoqlError {
  return soqlError(
    'INVALID_FIELD',
    soql,
    offset,
    `Didn't understand relationship '${relationship}' in field path. If you are attempting to use a custom ` +
      `relationship, be sure to append the '__r' after the custom relationship name. Please reference your ` +
      `WSDL or the describe call for the appropriate names.`,
  )
}

/** INVALID_TYPE for an unknown sObject. */
export function unsupportedType(soql: string, offset: number, sobject: string): SoqlError {
  return soqlError(
    'INVALID_TYPE',
    soql,
    offset,
    `sObject type '${sobject}' is not supported. If you are attempting to use a custom object, be sure to ` +
      `append the '__c' after the entity name. Please reference your WSDL or the describe call for the ` +
      `appropriate names.`,
  )
}

/**
 * A valid SOQL construct that the emulator does not implement. Refused rather than answered wrongly.
 * UNCONFIRMED: the wording is the emulator's own; the code is MALFORMED_QUERY so clients treat it as a
 * query the org refuses.
 */
export function notSupported(soql: string, offset: number, what: string): SoqlError {
  return soqlError('MALFORMED_QUERY', soql, offset, `${what} is not supported by the sfsync emulator`)
}
