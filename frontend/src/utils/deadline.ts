// Deadlines (付款期限, 督办期限, 还款计划到期日) as a clerk reads them: overdue in red with the
// number of days, due soon in orange, otherwise the days left. Days are calendar days in
// Beijing time, as the regulation counts payment terms and overdue interest; the server
// decides what is overdue for filtering (`overdue=true`), this is only the badge.
import { beijingParts } from './format'

export type DeadlineKind = 'none' | 'settled' | 'overdue' | 'today' | 'soon' | 'ok'

export interface DeadlineState {
  kind: DeadlineKind
  /** Days overdue (overdue), days left (soon, ok), 0 otherwise. */
  days: number
  /** Element Plus tag type for the badge. */
  tagType: 'danger' | 'warning' | 'info' | 'success'
}

/** Due within this many days (and not today) counts as soon. */
export const SOON_DAYS = 7

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})/

/** Today's calendar date in Beijing, 'YYYY-MM-DD'. */
export function todayInBeijing(now: Date = new Date()): string {
  const p = beijingParts(now)
  return `${p.year}-${p.month}-${p.day}`
}

function dayNumber(iso: string): number {
  const match = ISO_DATE.exec(iso)
  if (!match) throw new RangeError(`Not an ISO date: ${JSON.stringify(iso)}`)
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / 86_400_000
}

/** Whole calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round(dayNumber(to) - dayNumber(from))
}

/** Adds calendar days to an ISO date. */
export function addDays(iso: string, days: number): string {
  const d = new Date((dayNumber(iso) + days) * 86_400_000)
  return d.toISOString().slice(0, 10)
}

/**
 * The badge of a deadline on `today`.
 * - no date → none; `settled` (paid, written off, void, closed) → settled, whatever the date;
 * - past → overdue with the days since (the day after the due date is 1 day overdue);
 * - today → today; within SOON_DAYS → soon; later → ok, with the days left.
 */
export function deadlineState(due: string | null | undefined, today: string, settled = false): DeadlineState {
  if (!due) return { kind: 'none', days: 0, tagType: 'info' }
  if (settled) return { kind: 'settled', days: 0, tagType: 'success' }
  const left = daysBetween(today, due)
  if (left < 0) return { kind: 'overdue', days: -left, tagType: 'danger' }
  if (left === 0) return { kind: 'today', days: 0, tagType: 'warning' }
  if (left <= SOON_DAYS) return { kind: 'soon', days: left, tagType: 'warning' }
  return { kind: 'ok', days: left, tagType: 'info' }
}

/** An item's payment term no longer runs once it is settled or void. */
export function itemSettled(status: string): boolean {
  return status === 'written_off' || status === 'void' || status === 'claimed_cleared'
}

// ---------------------------------------------------------------- ISO weeks (周进展)

/** ISO week label of a calendar date: '2026-W48' (the ISO year can differ from the calendar year). */
export function isoWeek(iso: string): string {
  const n = dayNumber(iso)
  const weekday = (((new Date(n * 86_400_000).getUTCDay() + 6) % 7) + 1) // 1 = Monday … 7 = Sunday
  const thursday = new Date((n - weekday + 4) * 86_400_000)
  const year = thursday.getUTCFullYear()
  const jan1 = Date.UTC(year, 0, 1) / 86_400_000
  const week = Math.floor((thursday.getTime() / 86_400_000 - jan1) / 7) + 1
  return `${year}-W${String(week).padStart(2, '0')}`
}

/** Monday of an ISO week label ('2026-W48' → '2026-11-23'); null when the label is not a week. */
export function isoWeekStart(label: string): string | null {
  const match = /^(\d{4})-W(\d{2})$/.exec(label.trim().toUpperCase())
  if (!match) return null
  const year = Number(match[1])
  const week = Number(match[2])
  const jan4 = Date.UTC(year, 0, 4) / 86_400_000
  const jan4Weekday = ((new Date(jan4 * 86_400_000).getUTCDay() + 6) % 7) + 1
  const monday = jan4 - (jan4Weekday - 1) + (week - 1) * 7
  const start = new Date(monday * 86_400_000).toISOString().slice(0, 10)
  return week >= 1 && isoWeek(start) === `${year}-W${match[2]}` ? start : null
}

/** The calendar date of a local Date object (what a date picker hands back), 'YYYY-MM-DD'. */
export function localDate(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}
