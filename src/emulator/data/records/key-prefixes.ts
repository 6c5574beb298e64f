/**
 * Key prefixes of objects that lookups of the recorded describes point to but that the emulator does
 * not hold (RecordType, Profile, ...): a lookup to one of them is accepted when its id carries the
 * right prefix, since there are no records to check it against.
 */
export const EXTERNAL_KEY_PREFIXES: Readonly<Record<string, string>> = {
  RecordType: '012',
  Profile: '00e',
  UserRole: '00E',
  Group: '00G',
  Campaign: '701',
  Pricebook2: '01s',
  Individual: '0PK',
  DandBCompany: '06E',
  OperatingHours: '0OH',
  OpportunityHistory: '008',
}

/** Auto-number formats: Case.CaseNumber `00001001`, Invoice__c.Name `INV-000001`. */
export function formatAutoNumber(sobject: string, field: string, n: number): string {
  if (sobject === 'Invoice__c' && field === 'Name') return `INV-${String(n).padStart(6, '0')}`
  return String(n).padStart(8, '0')
}
