import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'

vi.stubGlobal('sessionStorage', { getItem: () => null, setItem: () => undefined, removeItem: () => undefined })

const ledger = vi.hoisted(() => ({ listPeople: vi.fn() }))
const identity = vi.hoisted(() => ({ listUsers: vi.fn() }))
vi.mock('@/api/ledger', () => ledger)
vi.mock('@/api/identity', () => identity)

const { usePeopleStore } = await import('./people')
const { useSessionStore } = await import('./session')

function signIn(permissions: string[]) {
  const session = useSessionStore()
  session.me = {
    id: 'me',
    kind: 'user',
    username: 'caizheng01',
    display_name: '周雨桐',
    unit_id: 'unit-a',
    unit_name: '海澄县财政局',
    region_path: '/99/9901/990121/',
    roles: [],
    permissions,
    must_change_password: false,
    idle_timeout_seconds: 1800,
  }
}

describe('people store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    ledger.listPeople.mockReset()
    identity.listUsers.mockReset()
  })

  it('reads a unit operator’s colleagues from the people directory', async () => {
    signIn(['ledger:read', 'ledger:write'])
    ledger.listPeople.mockResolvedValue({
      items: [
        { id: 'p1', display_name: '陈思远', unit_name: '海澄县财政局' },
        { id: 'p2', display_name: '黄佳琪', unit_name: '海澄县财政局' },
      ],
      total: 2,
      page: 1,
      page_size: 200,
    })
    const people = usePeopleStore()
    expect(await people.loadUnit('unit-a')).toEqual([
      { id: 'p1', display_name: '陈思远' },
      { id: 'p2', display_name: '黄佳琪' },
    ])
    expect(ledger.listPeople).toHaveBeenCalledWith({ unit_id: 'unit-a', page: 1, page_size: 200 })
    expect(identity.listUsers).not.toHaveBeenCalled()
    expect(people.name('p2')).toBe('黄佳琪')
    await people.loadUnit('unit-a')
    expect(ledger.listPeople).toHaveBeenCalledTimes(1)
  })

  it('falls back to the user list for an administrator, and to nothing otherwise', async () => {
    signIn(['users:manage'])
    identity.listUsers.mockResolvedValue({
      items: [
        { id: 'u1', display_name: '林晓岚', kind: 'person' },
        { id: 'bot', display_name: '对接账号', kind: 'integration' },
      ],
      total: 2,
      page: 1,
      page_size: 200,
    })
    const people = usePeopleStore()
    expect(await people.loadUnit('unit-b')).toEqual([{ id: 'u1', display_name: '林晓岚' }])
    expect(ledger.listPeople).not.toHaveBeenCalled()

    setActivePinia(createPinia())
    signIn(['ledger:read'])
    expect(await usePeopleStore().loadUnit('unit-c')).toEqual([])
  })
})
