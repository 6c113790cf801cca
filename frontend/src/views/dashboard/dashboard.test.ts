import { describe, expect, it } from 'vitest'
import { bucketShortLabel, listQuery, percent, seesDashboard, signedYuan, wan } from './dashboard'

describe('dashboard helpers', () => {
  it('maps a report row to the ledger list URL', () => {
    expect(listQuery({ unit_id: 'u1', debtor_type: 'soe', status: 'open,resolving', overdue: 'true' })).toEqual({
      unit: 'u1',
      type: 'soe',
      status: ['open', 'resolving'],
      overdue: '1',
    })
    expect(listQuery({ disputed: 'false', region: '/99/' })).toEqual({ disputed: 'false' })
    expect(listQuery({ overdue: 'false' })).toEqual({})
  })

  it('shows rates as percentages without floats', () => {
    expect(percent('0.1234')).toBe('12.34%')
    expect(percent('1.0000')).toBe('100.00%')
    expect(percent('0.0005')).toBe('0.05%')
    expect(percent(null)).toBe('—')
  })

  it('charts amounts in 万元 and signs changes', () => {
    expect(wan('1234567.89')).toBe(123.46)
    expect(signedYuan('-800.00', (v) => v)).toBe('-800.00')
    expect(signedYuan('12.50', (v) => v)).toBe('+12.50')
    expect(signedYuan('0.00', (v) => v)).toBe('0.00')
  })

  it('is the home page of the office, leaders and auditors', () => {
    expect(seesDashboard(['unit_leader'])).toBe(true)
    expect(seesDashboard(['unit_operator'])).toBe(false)
    expect(seesDashboard(undefined)).toBe(false)
  })

  it('labels ageing buckets briefly', () => {
    expect(bucketShortLabel({ key: 'not_due', min_days: null, max_days: 0 })).toBe('未到期')
    expect(bucketShortLabel({ key: 'd1_30', min_days: 1, max_days: 30 })).toBe('≤30天')
    expect(bucketShortLabel({ key: 'd31_90', min_days: 31, max_days: 90 })).toBe('31–90天')
    expect(bucketShortLabel({ key: 'd366_', min_days: 366, max_days: null })).toBe('>365天')
    expect(bucketShortLabel({ key: 'no_due_date', min_days: null, max_days: null })).toBe('无期限')
  })
})
