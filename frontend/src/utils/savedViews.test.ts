import { describe, expect, it } from 'vitest'
import { emptyFilters, loadViews, storageKey, storeViews, upsertView, type SavedView } from './savedViews'

function memory() {
  const data = new Map<string, string>()
  return {
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    data,
  }
}

describe('saved views', () => {
  it('are kept per login name', () => {
    const storage = memory()
    const view: SavedView = { name: '财政逾期', filters: { ...emptyFilters(), q: '财政', overdue: true }, sort: 'due_date' }
    storeViews('caizheng01', [view], storage)
    expect(loadViews('caizheng01', storage)).toEqual([view])
    expect(loadViews('office01', storage)).toEqual([])
    expect([...storage.data.keys()]).toEqual([storageKey('caizheng01')])
  })

  it('survive garbage and fill missing fields', () => {
    const storage = memory()
    storage.setItem(storageKey('u'), '{not json')
    expect(loadViews('u', storage)).toEqual([])
    storage.setItem(storageKey('u'), JSON.stringify([{ name: ' 旧 ', filters: { q: 'x', status: 'open' } }, { name: '' }, 5]))
    expect(loadViews('u', storage)).toEqual([
      { name: '旧', filters: { ...emptyFilters(), q: 'x' }, sort: '-created_at' },
    ])
  })

  it('replace a view of the same name', () => {
    const a: SavedView = { name: 'A', filters: emptyFilters(), sort: '-created_at' }
    const a2: SavedView = { name: 'A', filters: { ...emptyFilters(), q: '2' }, sort: 'ledger_no' }
    const b: SavedView = { name: 'B', filters: emptyFilters(), sort: '-created_at' }
    expect(upsertView([a, b], a2)).toEqual([a2, b])
    expect(upsertView([a], b)).toEqual([a, b])
  })
})
