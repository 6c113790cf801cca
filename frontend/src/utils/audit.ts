// Audit entries carry `before` and `after` snapshots (JSON objects). For the expandable row
// they are lined up field by field.

export interface DiffRow {
  field: string
  before: unknown
  after: unknown
  /** The field is in both snapshots with different values, or in one only. */
  changed: boolean
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/**
 * One row per field of either snapshot, in the order the fields first appear (after first,
 * then fields only `before` had); changed rows are flagged. Missing snapshots count as {}.
 */
export function auditDiff(
  before: Record<string, unknown> | null | undefined,
  after: Record<string, unknown> | null | undefined,
): DiffRow[] {
  const b = before ?? {}
  const a = after ?? {}
  const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])]
  return fields.map((field) => {
    const inBefore = field in b
    const inAfter = field in a
    return {
      field,
      before: inBefore ? b[field] : undefined,
      after: inAfter ? a[field] : undefined,
      changed: inBefore !== inAfter || !same(b[field], a[field]),
    }
  })
}

/** A snapshot value as text: lists joined with '、', objects as JSON, empty for null/undefined. */
export function auditValue(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (Array.isArray(value)) return value.map(auditValue).join('、')
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}
