import { describe, expect, it } from 'vitest'
import { formatTotal, pagerTotal, usePagedList } from './usePagedList'

describe('usePagedList', () => {
  it('loads a page with the current filters and paging', async () => {
    const calls: unknown[] = []
    const list = usePagedList(
      () => ({ q: '' }),
      async (filters, paging) => {
        calls.push({ q: filters.q, page: paging.page })
        return { items: ['a', 'b'], total: 7 }
      },
    )
    list.filters.q = '财政'
    list.paging.page = 3
    await list.load()
    expect(calls).toEqual([{ q: '财政', page: 3 }])
    expect(list.rows.value).toEqual(['a', 'b'])
    expect(list.total.value).toBe(7)
  })

  it('search goes back to page 1; reset restores the initial filters', async () => {
    const pages: number[] = []
    const list = usePagedList(
      () => ({ q: '' }),
      async (_f, paging) => {
        pages.push(paging.page)
        return { items: [], total: 0 }
      },
    )
    list.paging.page = 4
    list.filters.q = 'x'
    list.resetFilters()
    await Promise.resolve()
    expect(list.filters.q).toBe('')
    expect(pages).toEqual([1])
  })

  it('keeps the problem of a failed load and clears the spinner', async () => {
    const list = usePagedList(
      () => ({}),
      async () => {
        throw new Error('boom')
      },
    )
    await list.load()
    expect(list.problem.value).not.toBeNull()
    expect(list.loading.value).toBe(false)
  })
})

describe('usePagedList: capped totals', () => {
  it('shows a count the server stopped as "1,000+" and keeps the pager open while pages are full', async () => {
    const list = usePagedList(
      () => ({}),
      async (_f, p) => ({ items: Array.from({ length: p.page_size }, (_, i) => i), total: 1000, total_exact: false }),
    )
    list.paging.page = 50
    await list.load()
    expect(list.totalExact.value).toBe(false)
    expect(list.totalText.value).toBe('1,000+')
    // page 50 of 20 rows is full: one page more is offered
    expect(list.pagerTotal.value).toBe(1001)
  })

  it('formats and bounds totals', () => {
    expect(formatTotal(1234)).toBe('1,234')
    expect(formatTotal(1000, false)).toBe('1,000+')
    expect(pagerTotal(37, true, { page: 1, page_size: 20 }, 20)).toBe(37)
    // past the cap, a short page is the last one
    expect(pagerTotal(1000, false, { page: 52, page_size: 20 }, 7)).toBe(1027)
    // before the cap is reached the counted total stands
    expect(pagerTotal(1000, false, { page: 2, page_size: 20 }, 20)).toBe(1000)
  })

  it('takes its first page and size from the options', async () => {
    const seen: unknown[] = []
    const list = usePagedList(
      () => ({}),
      async (_f, p) => {
        seen.push({ ...p })
        return { items: [], total: 0 }
      },
      { paging: { page: 3, page_size: 50 } },
    )
    await list.load()
    expect(seen).toEqual([{ page: 3, page_size: 50 }])
  })
})

describe('usePagedList: summary', () => {
  it('fetches the summary only when the filters change, not on a page change', async () => {
    const summaries: string[] = []
    const list = usePagedList(
      () => ({ q: '' }),
      async () => ({ items: [], total: 100 }),
      {
        summary: async (f) => {
          summaries.push(f.q)
          return { sum: f.q.length }
        },
      },
    )
    await list.load()
    list.paging.page = 2
    await list.load()
    list.paging.page_size = 50
    await list.search()
    expect(summaries).toEqual([''])
    list.filters.q = '财政'
    await list.search()
    expect(summaries).toEqual(['', '财政'])
    expect(list.summary.value).toEqual({ sum: 2 })
    await list.refresh()
    expect(summaries).toEqual(['', '财政', '财政'])
  })

  it('retries the summary after a failed load', async () => {
    let fail = true
    let calls = 0
    const list = usePagedList(
      () => ({}),
      async () => {
        if (fail) throw new Error('down')
        return { items: [], total: 0 }
      },
      { summary: async () => ++calls },
    )
    await list.load()
    expect(list.problem.value).not.toBeNull()
    fail = false
    await list.load()
    expect(list.summary.value).toBe(2)
    expect(list.problem.value).toBeNull()
  })

  it('uses summaryKey to decide what the summary depends on', async () => {
    let calls = 0
    const list = usePagedList(
      () => ({ q: '', ui: false }),
      async () => ({ items: [], total: 0 }),
      { summary: async () => ++calls, summaryKey: (f) => f.q },
    )
    await list.load()
    list.filters.ui = true
    await list.load()
    expect(calls).toBe(1)
  })
})

describe('usePagedList: overlapping loads', () => {
  it('keeps the answer of the latest request when an older one arrives last', async () => {
    const resolvers: ((v: { items: string[]; total: number }) => void)[] = []
    const list = usePagedList(
      () => ({}),
      () => new Promise<{ items: string[]; total: number }>((resolve) => resolvers.push(resolve)),
    )
    const first = list.load()
    list.paging.page = 2
    const second = list.load()
    resolvers[1]!({ items: ['page 2'], total: 40 })
    await second
    expect(list.loading.value).toBe(false)
    resolvers[0]!({ items: ['page 1'], total: 40 })
    await first
    expect(list.rows.value).toEqual(['page 2'])
  })
})
