import { describe, expect, it } from 'vitest'
import { usePagedList } from './usePagedList'

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
