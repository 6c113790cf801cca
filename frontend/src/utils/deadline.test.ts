import { describe, expect, it } from 'vitest'
import { addDays, daysBetween, deadlineState, isoWeek, isoWeekStart, itemSettled, todayInBeijing } from './deadline'

describe('deadlineState', () => {
  const today = '2026-11-25'

  it('is none without a date and settled once paid or closed', () => {
    expect(deadlineState(null, today)).toMatchObject({ kind: 'none' })
    expect(deadlineState(undefined, today)).toMatchObject({ kind: 'none' })
    expect(deadlineState('2026-01-01', today, true)).toMatchObject({ kind: 'settled', tagType: 'success' })
  })

  it('counts overdue days from the day after the due date, in red', () => {
    expect(deadlineState('2026-11-24', today)).toEqual({ kind: 'overdue', days: 1, tagType: 'danger' })
    expect(deadlineState('2026-10-26', today)).toEqual({ kind: 'overdue', days: 30, tagType: 'danger' })
    expect(deadlineState('2025-11-25', today)).toEqual({ kind: 'overdue', days: 365, tagType: 'danger' })
  })

  it('marks today and the next seven days, then the days left', () => {
    expect(deadlineState('2026-11-25', today)).toEqual({ kind: 'today', days: 0, tagType: 'warning' })
    expect(deadlineState('2026-11-26', today)).toEqual({ kind: 'soon', days: 1, tagType: 'warning' })
    expect(deadlineState('2026-12-02', today)).toEqual({ kind: 'soon', days: 7, tagType: 'warning' })
    expect(deadlineState('2026-12-03', today)).toEqual({ kind: 'ok', days: 8, tagType: 'info' })
  })

  it('crosses months, years and leap days exactly', () => {
    expect(daysBetween('2024-02-28', '2024-03-01')).toBe(2)
    expect(daysBetween('2026-12-31', '2027-01-01')).toBe(1)
    expect(deadlineState('2024-02-29', '2024-03-01')).toMatchObject({ kind: 'overdue', days: 1 })
    expect(addDays('2026-12-30', 3)).toBe('2027-01-02')
  })

  it('knows which statuses stop the clock', () => {
    expect(itemSettled('written_off')).toBe(true)
    expect(itemSettled('claimed_cleared')).toBe(true)
    expect(itemSettled('void')).toBe(true)
    expect(itemSettled('open')).toBe(false)
    expect(itemSettled('resolving')).toBe(false)
  })
})

describe('todayInBeijing', () => {
  it('uses the Beijing calendar date', () => {
    expect(todayInBeijing(new Date('2026-11-25T15:59:59Z'))).toBe('2026-11-25')
    expect(todayInBeijing(new Date('2026-11-25T16:00:00Z'))).toBe('2026-11-26')
  })
})

describe('ISO weeks', () => {
  it('labels dates with the ISO year and week', () => {
    expect(isoWeek('2026-11-23')).toBe('2026-W48')
    expect(isoWeek('2026-11-29')).toBe('2026-W48')
    expect(isoWeek('2026-11-30')).toBe('2026-W49')
    expect(isoWeek('2027-01-01')).toBe('2026-W53')
    expect(isoWeek('2024-12-30')).toBe('2025-W01')
  })

  it('finds the Monday of a week and refuses weeks that do not exist', () => {
    expect(isoWeekStart('2026-W48')).toBe('2026-11-23')
    expect(isoWeekStart('2025-W01')).toBe('2024-12-30')
    expect(isoWeekStart('2026-W53')).toBe('2026-12-28')
    expect(isoWeekStart('2025-W53')).toBeNull()
    expect(isoWeekStart('2026-48')).toBeNull()
  })
})
