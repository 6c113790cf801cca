// The dashboard's logic outside the component: a report row's list (the API's filters → the
// 台账 list's URL query, see ledgerList.ts stateToRoute), amounts for charts, and the roles that
// see the dashboard as their home page.
import type { LocationQueryRaw } from 'vue-router'

/** Roles whose home page is the dashboard (a colleague's per-role workbench may take the others). */
export const DASHBOARD_ROLES: readonly string[] = ['office_admin', 'unit_leader', 'auditor']

export function seesDashboard(roles: readonly string[] | undefined): boolean {
  return (roles ?? []).some((r) => DASHBOARD_ROLES.includes(r))
}

/**
 * The ledger list's route query for the items behind a figure. `filters` is what the report
 * row carries: the query of GET /items (unit_id, debtor_type, status "a,b", disputed, overdue…).
 * Filters the list page has no control for (region) are left out.
 */
export function listQuery(filters: Record<string, string>): LocationQueryRaw {
  const q: LocationQueryRaw = {}
  if (filters.unit_id) q.unit = filters.unit_id
  if (filters.debtor_type) q.type = filters.debtor_type
  if (filters.status) q.status = filters.status.split(',')
  if (filters.disputed === 'true' || filters.disputed === 'false') q.disputed = filters.disputed
  if (filters.overdue === 'true') q.overdue = '1'
  if (filters.flag) q.flag = filters.flag
  if (filters.q) q.q = filters.q
  return q
}

/** Yuan (a decimal string) → 万元 as a number, for chart axes only (tables show exact strings). */
export function wan(value: string | null | undefined): number {
  if (!value) return 0
  return Math.round(Number(value) / 100) / 100
}

/** "0.1234" → "12.34%"; null → "—". */
export function percent(rate: string | null | undefined): string {
  if (rate === null || rate === undefined) return '—'
  const [whole, frac = ''] = rate.split('.')
  const digits = (whole + frac.padEnd(4, '0')).replace(/^0+(?=\d{3})/, '')
  const padded = digits.padStart(3, '0')
  return `${padded.slice(0, -2).replace(/^0+(?=\d)/, '') || '0'}.${padded.slice(-2)}%`
}

/** A signed change in yuan for people: "+1,234.50" / "-800.00" / "0.00". */
export function signedYuan(value: string | null | undefined, format: (v: string) => string): string {
  if (value === null || value === undefined) return '—'
  if (value.startsWith('-')) return `-${format(value.slice(1))}`
  return Number(value) === 0 ? format(value) : `+${format(value)}`
}

/** A short label for an ageing bucket on a chart axis: 未到期, ≤30天, 31–90天, >365天, 无期限. */
export function bucketShortLabel(bucket: { key: string; min_days: number | null; max_days: number | null }): string {
  if (bucket.key === 'not_due') return '未到期'
  if (bucket.key === 'no_due_date') return '无期限'
  if (bucket.max_days === null) return `>${(bucket.min_days ?? 1) - 1}天`
  if (bucket.min_days === 1) return `≤${bucket.max_days}天`
  return `${bucket.min_days}–${bucket.max_days}天`
}
