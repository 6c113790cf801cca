import { describe, expect, it } from 'vitest'
import { defaultQueueFilters, queueQuery } from './verificationQueue'

describe('verification queue query', () => {
  it('opens on the pending repayments, oldest first', () => {
    expect(queueQuery(defaultQueueFilters(), { page: 1, page_size: 20 })).toEqual({
      status: ['reported'],
      unit_id: undefined,
      method: undefined,
      reported_from: undefined,
      reported_to: undefined,
      has_evidence: undefined,
      sort: 'reported_at',
      page: 1,
      page_size: 20,
    })
  })

  it('passes every filter the server knows', () => {
    const f = defaultQueueFilters()
    f.status = ['verified', 'rejected']
    f.unit_id = 'u-1'
    f.method = 'commercial_bill'
    f.reported = ['2026-11-01', '2026-11-30']
    f.evidence = 'false'
    f.sort = '-reported_at'
    expect(queueQuery(f, { page: 3, page_size: 50 })).toEqual({
      status: ['verified', 'rejected'],
      unit_id: 'u-1',
      method: 'commercial_bill',
      reported_from: '2026-11-01',
      reported_to: '2026-11-30',
      has_evidence: false,
      sort: '-reported_at',
      page: 3,
      page_size: 50,
    })
    f.status = []
    f.evidence = 'true'
    expect(queueQuery(f, { page: 1, page_size: 20 })).toMatchObject({ status: undefined, has_evidence: true })
  })
})
