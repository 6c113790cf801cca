import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'

// In-memory sessionStorage for the node test environment.
const storage = new Map<string, string>()
vi.stubGlobal('sessionStorage', {
  getItem: (k: string) => storage.get(k) ?? null,
  setItem: (k: string, v: string) => void storage.set(k, v),
  removeItem: (k: string) => void storage.delete(k),
})

const api = vi.hoisted(() => ({
  passwordGrant: vi.fn(),
  refreshGrant: vi.fn(),
  fetchMe: vi.fn(),
  logout: vi.fn(),
}))
vi.mock('@/api/identity', () => api)

const { useSessionStore } = await import('./session')
const { ApiError } = await import('@/api/problems')

const me = {
  id: 'u1',
  kind: 'user',
  username: 'office01',
  display_name: '林晓岚',
  unit_id: 'unit1',
  unit_name: '海澄县科工贸和信息化局',
  region_path: '/99/9901/990121/',
  roles: ['office_admin'],
  permissions: ['ledger:read', 'users:manage'],
  must_change_password: false,
  idle_timeout_seconds: 1800,
}
const tokens = (n: number, mustChange = false) => ({
  access_token: `access${n}`,
  refresh_token: `refresh${n}`,
  expires_in: 600,
  token_type: 'bearer',
  must_change_password: mustChange,
})

async function loggedIn() {
  const session = useSessionStore()
  const ended = vi.fn()
  session.onEnded(ended)
  await session.login('office01', 'secret')
  return { session, ended }
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-16T08:00:00Z') })
  storage.clear()
  setActivePinia(createPinia())
  api.passwordGrant.mockResolvedValue(tokens(1))
  api.refreshGrant.mockResolvedValue(tokens(2))
  api.fetchMe.mockResolvedValue(me)
  api.logout.mockResolvedValue(undefined)
})

afterEach(() => {
  vi.useRealTimers()
  vi.clearAllMocks()
})

describe('session store', () => {
  it('logs in, loads /auth/me, keeps the tokens in sessionStorage', async () => {
    const { session } = await loggedIn()
    expect(session.isLoggedIn).toBe(true)
    expect(session.can('users:manage')).toBe(true)
    expect(session.can(['audit:read', 'ledger:read'])).toBe(true)
    expect(session.can('audit:read')).toBe(false)
    expect(JSON.parse(storage.get('qq.session')!)).toMatchObject({ accessToken: 'access1', refreshToken: 'refresh1' })

    setActivePinia(createPinia())
    const reloaded = useSessionStore()
    reloaded.restore()
    expect(reloaded.tokens?.accessToken).toBe('access1')
  })

  // Issue 15: the header (me.unit_name) kept the old name of a renamed unit until the next login.
  it('follows the rename of the caller\'s own unit, not of another one', async () => {
    const { session } = await loggedIn()
    session.unitRenamed({ id: 'unit2', name: '别的单位' })
    expect(session.me?.unit_name).toBe('海澄县科工贸和信息化局')
    session.unitRenamed({ id: 'unit1', name: '海澄县工业和信息化局' })
    expect(session.me?.unit_name).toBe('海澄县工业和信息化局')
    expect(api.fetchMe).toHaveBeenCalledTimes(1)
  })

  it('refreshes shortly before expiry while the user is active, once for concurrent callers', async () => {
    const { session } = await loggedIn()
    vi.advanceTimersByTime(9.5 * 60_000)
    session.touch()
    const [a, b] = await Promise.all([session.refresh(), session.refresh()])
    expect(a && b).toBe(true)
    expect(api.refreshGrant).toHaveBeenCalledTimes(1)
    expect(api.refreshGrant).toHaveBeenCalledWith('refresh1')
    expect(session.tokens?.accessToken).toBe('access2')
  })

  it('check() refreshes when the token is about to expire and the user was active', async () => {
    const { session, ended } = await loggedIn()
    vi.advanceTimersByTime(9.5 * 60_000)
    session.touch()
    session.check()
    await vi.waitFor(() => expect(session.tokens?.accessToken).toBe('access2'))
    expect(ended).not.toHaveBeenCalled()
  })

  it('ends the session after 30 idle minutes with a timeout', async () => {
    const { session, ended } = await loggedIn()
    vi.advanceTimersByTime(31 * 60_000)
    session.check()
    expect(session.isLoggedIn).toBe(false)
    expect(ended).toHaveBeenCalledWith('timeout')
    expect(api.logout).toHaveBeenCalledWith('access1')
    expect(api.refreshGrant).not.toHaveBeenCalled()
    expect(storage.has('qq.session')).toBe(false)
  })

  it('ends the session when the refresh is refused, but not on a network failure', async () => {
    const { session, ended } = await loggedIn()
    api.refreshGrant.mockRejectedValueOnce(new ApiError({ title: '网络连接失败', status: 0 }, 0))
    expect(await session.refresh()).toBe(false)
    expect(session.isLoggedIn).toBe(true)

    api.refreshGrant.mockRejectedValueOnce(
      new ApiError({ title: '未登录或登录已失效', status: 401, code: 'session_idle_timeout' }, 401),
    )
    expect(await session.refresh()).toBe(false)
    expect(session.isLoggedIn).toBe(false)
    expect(ended).toHaveBeenCalledWith('timeout')
  })

  it('logout ends the server session and says so', async () => {
    const { session, ended } = await loggedIn()
    await session.logout()
    expect(api.logout).toHaveBeenCalledWith('access1')
    expect(session.me).toBeNull()
    expect(ended).toHaveBeenCalledWith('logout')
  })

  it('knows a one-time password must be changed before /auth/me answers', async () => {
    api.passwordGrant.mockResolvedValue(tokens(1, true))
    api.fetchMe.mockResolvedValue({ ...me, must_change_password: true })
    const { session } = await loggedIn()
    expect(session.mustChangePassword).toBe(true)
  })
})

describe('several tabs of one session', () => {
  const jwt = (n: number, sid = 's1') =>
    `h.${btoa(JSON.stringify({ sid, n })).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')}.sig`
  const jwtTokens = (n: number, sid = 's1') => ({ ...tokens(n), access_token: jwt(n, sid) })

  // A mutex standing in for the Web Locks API.
  let chain = Promise.resolve<unknown>(undefined)
  const locks = {
    request: (_name: string, task: () => Promise<unknown>) => {
      const run = chain.then(task, task)
      chain = run.catch(() => undefined)
      return run
    },
  }

  /** Two tabs: the second starts from a copy of the first's sessionStorage, as browsers do. */
  async function twoTabs() {
    const a = (setActivePinia(createPinia()), useSessionStore())
    const endedA = vi.fn()
    a.onEnded(endedA)
    await a.login('office01', 'secret')
    const b = (setActivePinia(createPinia()), useSessionStore())
    const endedB = vi.fn()
    b.onEnded(endedB)
    b.restore()
    return { a, b, endedA, endedB }
  }

  const shared = new Map<string, string>()

  beforeEach(() => {
    vi.useRealTimers()
    shared.clear()
    vi.stubGlobal('navigator', { locks })
    vi.stubGlobal('localStorage', {
      getItem: (k: string) => shared.get(k) ?? null,
      setItem: (k: string, v: string) => void shared.set(k, v),
      removeItem: (k: string) => void shared.delete(k),
    })
    let n = 1
    api.passwordGrant.mockResolvedValue(jwtTokens(1))
    api.refreshGrant.mockImplementation(async () => jwtTokens(++n))
  })

  afterEach(() => {
    vi.unstubAllGlobals()
    vi.stubGlobal('sessionStorage', {
      getItem: (k: string) => storage.get(k) ?? null,
      setItem: (k: string, v: string) => void storage.set(k, v),
      removeItem: (k: string) => void storage.delete(k),
    })
  })

  it('reads the session id from the access token', async () => {
    const { sessionIdOf } = await import('./session')
    expect(sessionIdOf(jwt(1, 'abc'))).toBe('abc')
    expect(sessionIdOf('not-a-jwt')).toBeNull()
  })

  it('rotates the refresh token once and hands the new tokens to the other tab', async () => {
    const { a, b } = await twoTabs()
    expect(b.tokens?.refreshToken).toBe('refresh1')
    await Promise.all([a.refresh(), b.refresh()])
    expect(api.refreshGrant).toHaveBeenCalledTimes(1)
    expect(b.isLoggedIn).toBe(true)
    expect(api.refreshGrant).toHaveBeenCalledWith('refresh1')
    expect(a.tokens?.refreshToken).toBe('refresh2')
    expect(b.tokens?.refreshToken).toBe('refresh2')

    await b.refresh() // later, the other tab rotates with the token it was handed
    expect(api.refreshGrant).toHaveBeenLastCalledWith('refresh2')
    await vi.waitFor(() => expect(a.tokens?.refreshToken).toBe('refresh3'))
  })

  it('without Web Locks, a tab finding its refresh token spent waits for the new tokens', async () => {
    vi.stubGlobal('navigator', {})
    const { a, b } = await twoTabs()
    await Promise.all([a.refresh(), b.refresh()])
    expect(api.refreshGrant).toHaveBeenCalledTimes(1)
    expect(b.tokens?.refreshToken).toBe('refresh2')
  })

  it('shares activity, and a logout ends every tab', async () => {
    const { a, b, endedB } = await twoTabs()
    const before = b.lastActivity
    await new Promise((r) => setTimeout(r, 20))
    a.touch() // first touch after login persists only after 10 s; force it:
    vi.setSystemTime(Date.now() + 11_000)
    a.touch()
    await vi.waitFor(() => expect(b.lastActivity).toBeGreaterThan(before))
    vi.useRealTimers()

    await a.logout()
    await vi.waitFor(() => expect(endedB).toHaveBeenCalledWith('logout'))
    expect(b.isLoggedIn).toBe(false)
  })
})
