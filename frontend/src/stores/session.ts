// The logged-in session: tokens (memory + sessionStorage, so a reload keeps the login but
// closing the tab ends it), the /auth/me profile, and the idle rule.
//
// Access tokens live 10 minutes; refresh tokens rotate (each works once). The store refreshes
// shortly before expiry or after a 401, but only while the user has been active (mouse,
// keyboard, touch) within the server's idle timeout (30 minutes); otherwise the session ends
// with 登录已超时，请重新登录.
//
// Several tabs: a tab opened from a link starts with a copy of sessionStorage, i.e. the same
// refresh token. Were both to rotate it, the server would see a reuse and end the session, so
// tabs of one server session (the token's `sid`) refresh one at a time (Web Locks, where the
// browser offers them) and hand each other the new tokens (BroadcastChannel).
import { computed, ref } from 'vue'
import { defineStore } from 'pinia'
import { setAuthBridge } from '@/api/auth'
import { fetchMe, logout as logoutRequest, passwordGrant, refreshGrant, type Me, type TokenResponse } from '@/api/identity'
import { ApiError } from '@/api/problems'

const STORAGE_KEY = 'qq.session'
/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 60_000
/** Used until /auth/me tells the real value. */
const DEFAULT_IDLE_TIMEOUT_MS = 30 * 60_000
const CHECK_EVERY_MS = 15_000
const ACTIVITY_EVENTS = ['mousedown', 'mousemove', 'keydown', 'wheel', 'touchstart', 'scroll'] as const
/** 401 codes after which refreshing cannot help: the server-side session is over. */
const SESSION_OVER_CODES = new Set([
  'session_idle_timeout',
  'session_revoked',
  'refresh_invalid',
  'refresh_reused',
  'refresh_expired',
  'account_disabled',
])

export type SessionEndReason = 'logout' | 'timeout'

interface Tokens {
  accessToken: string
  refreshToken: string | null
  /** Epoch milliseconds. */
  expiresAt: number
  mustChangePassword: boolean
}

interface Stored extends Tokens {
  lastActivity: number
}

type TabMessage =
  | { type: 'tokens'; sid: string; tokens: Tokens }
  | { type: 'ended'; sid: string; reason: SessionEndReason }
  | { type: 'activity'; sid: string; at: number }

/** The server session id (`sid` claim) of an access token; null when it cannot be read. */
export function sessionIdOf(accessToken: string): string | null {
  try {
    const payload = accessToken.split('.')[1] ?? ''
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='))
    const sid: unknown = JSON.parse(json).sid
    return typeof sid === 'string' ? sid : null
  } catch {
    return null
  }
}

/** Runs `task` while holding a browser-wide lock (Web Locks; secure contexts only), else directly. */
function withLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined
  return locks ? (locks.request(name, task) as Promise<T>) : task()
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

// The fingerprint of the refresh token last rotated by any tab (localStorage is shared by the
// tabs; a fingerprint of a spent token reveals nothing usable).
const ROTATED_KEY = 'qq.rotated'

function fingerprint(token: string): string {
  let hash = 0x811c9dc5 // FNV-1a, 32 bit
  for (let i = 0; i < token.length; i++) hash = Math.imul(hash ^ token.charCodeAt(i), 0x01000193)
  return (hash >>> 0).toString(16)
}

function markRotated(token: string | null) {
  try {
    if (token) localStorage.setItem(ROTATED_KEY, fingerprint(token))
    else localStorage.removeItem(ROTATED_KEY)
  } catch {
    // no localStorage: the lock and the broadcast still cover most cases
  }
}

function wasRotated(token: string): boolean {
  try {
    return localStorage.getItem(ROTATED_KEY) === fingerprint(token)
  } catch {
    return false
  }
}

function readStorage(): Stored | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY)
    const value = raw ? (JSON.parse(raw) as Partial<Stored>) : null
    if (value && typeof value.accessToken === 'string' && typeof value.expiresAt === 'number') {
      return {
        accessToken: value.accessToken,
        refreshToken: value.refreshToken ?? null,
        expiresAt: value.expiresAt,
        mustChangePassword: Boolean(value.mustChangePassword),
        lastActivity: typeof value.lastActivity === 'number' ? value.lastActivity : Date.now(),
      }
    }
  } catch {
    // storage unavailable or corrupt: start logged out
  }
  return null
}

export const useSessionStore = defineStore('session', () => {
  const tokens = ref<Tokens | null>(null)
  const me = ref<Me | null>(null)
  const lastActivity = ref(Date.now())

  const isLoggedIn = computed(() => tokens.value !== null)
  const mustChangePassword = computed(
    () => me.value?.must_change_password ?? tokens.value?.mustChangePassword ?? false,
  )
  const permissions = computed(() => new Set(me.value?.permissions ?? []))
  const idleTimeoutMs = computed(() =>
    me.value ? me.value.idle_timeout_seconds * 1000 : DEFAULT_IDLE_TIMEOUT_MS,
  )

  let refreshing: Promise<boolean> | null = null
  let endedHandler: ((reason: SessionEndReason) => void) | null = null
  let lastPersist = 0
  const channel = typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel('qq.session') : null

  const currentSid = () => (tokens.value ? sessionIdOf(tokens.value.accessToken) : null)

  function tell(message: TabMessage) {
    channel?.postMessage(message)
  }

  if (channel) {
    channel.onmessage = (event: MessageEvent<TabMessage>) => {
      const message = event.data
      const sid = currentSid()
      if (!sid || message?.sid !== sid) return // another login, or none here
      if (message.type === 'tokens' && message.tokens.expiresAt >= (tokens.value?.expiresAt ?? 0)) {
        tokens.value = { ...message.tokens }
        persist()
      } else if (message.type === 'activity') {
        // The user works in another tab of this session: this one is not idle either.
        lastActivity.value = Math.max(lastActivity.value, message.at)
      } else if (message.type === 'ended') {
        clear()
        endedHandler?.(message.reason)
      }
    }
  }

  // ------------------------------------------------------------ persistence

  function persist() {
    lastPersist = Date.now()
    try {
      if (tokens.value) {
        const stored: Stored = { ...tokens.value, lastActivity: lastActivity.value }
        sessionStorage.setItem(STORAGE_KEY, JSON.stringify(stored))
      } else {
        sessionStorage.removeItem(STORAGE_KEY)
      }
    } catch {
      // private mode / quota: the session simply does not survive a reload
    }
  }

  /** Picks up the session a reload left in sessionStorage (once, before the first navigation). */
  function restore() {
    const stored = readStorage()
    if (!stored) return
    const { lastActivity: activity, ...rest } = stored
    tokens.value = rest
    lastActivity.value = activity
  }

  function setTokens(response: TokenResponse) {
    tokens.value = {
      accessToken: response.access_token,
      refreshToken: response.refresh_token ?? null,
      expiresAt: Date.now() + response.expires_in * 1000,
      mustChangePassword: response.must_change_password ?? false,
    }
    persist()
  }

  function clear() {
    tokens.value = null
    me.value = null
    persist()
  }

  // ------------------------------------------------------------ activity

  function isActive(now = Date.now()): boolean {
    return now - lastActivity.value < idleTimeoutMs.value
  }

  function touch() {
    lastActivity.value = Date.now()
    if (tokens.value && lastActivity.value - lastPersist > 10_000) {
      persist()
      const sid = currentSid()
      if (sid) tell({ type: 'activity', sid, at: lastActivity.value })
    }
  }

  // ------------------------------------------------------------ login, refresh, logout

  async function login(username: string, password: string): Promise<void> {
    const response = await passwordGrant(username, password)
    lastActivity.value = Date.now()
    setTokens(response)
    await loadMe()
  }

  async function loadMe(): Promise<Me> {
    const profile = await fetchMe()
    me.value = profile
    if (tokens.value && tokens.value.mustChangePassword !== profile.must_change_password) {
      tokens.value.mustChangePassword = profile.must_change_password
      persist()
    }
    return profile
  }

  /** A unit was renamed: the header shows the caller's own unit name from `me`, so it follows
   * at once instead of at the next login. */
  function unitRenamed(unit: { id: string; name: string }) {
    if (me.value && me.value.unit_id === unit.id) me.value = { ...me.value, unit_name: unit.name }
  }

  /** Rotates the refresh token once for all concurrent callers; false when it failed. */
  function refresh(): Promise<boolean> {
    refreshing ??= doRefresh().finally(() => {
      refreshing = null
    })
    return refreshing
  }

  async function doRefresh(): Promise<boolean> {
    const wanted = tokens.value?.refreshToken
    const sid = currentSid()
    if (!wanted) {
      end('timeout')
      return false
    }
    return withLock(`qq.refresh.${sid ?? 'tab'}`, async () => {
      const refreshToken = tokens.value?.refreshToken
      // Another tab of this session rotated the token while we waited: use its tokens.
      if (refreshToken !== wanted) return Boolean(refreshToken)
      if (wasRotated(refreshToken)) {
        // Spent by another tab just now; its new tokens are on their way over the channel.
        for (let i = 0; i < 100 && tokens.value?.refreshToken === refreshToken; i++) await sleep(20)
        return Boolean(tokens.value) && tokens.value?.refreshToken !== refreshToken
      }
      markRotated(refreshToken)
      try {
        setTokens(await refreshGrant(refreshToken))
        if (sid && tokens.value) {
          tell({ type: 'tokens', sid, tokens: { ...tokens.value } })
          await sleep(50) // let the other tabs take the new tokens before they may refresh
        }
        return true
      } catch (err) {
        // A network hiccup is not the end of the session; any answer from the server is.
        if (err instanceof ApiError && err.status === 0) markRotated(null)
        else end('timeout')
        return false
      }
    })
  }

  /** Ends the session on the server (best effort) and here. */
  async function logout(): Promise<void> {
    const token = tokens.value?.accessToken
    const sid = currentSid()
    if (sid) tell({ type: 'ended', sid, reason: 'logout' })
    clear()
    if (token) await logoutRequest(token).catch(() => undefined)
    endedHandler?.('logout')
  }

  /** The session is over without the user asking (idle, refresh refused). */
  function end(reason: SessionEndReason) {
    if (!tokens.value) return
    const token = tokens.value.accessToken
    const sid = currentSid()
    if (sid) tell({ type: 'ended', sid, reason })
    clear()
    void logoutRequest(token).catch(() => undefined)
    endedHandler?.(reason)
  }

  function onEnded(handler: (reason: SessionEndReason) => void) {
    endedHandler = handler
  }

  // ------------------------------------------------------------ permissions

  /** True when the user holds the permission (any one of them, for a list); no permission → true. */
  function can(required: string | readonly string[] | undefined | null): boolean {
    if (!required || required.length === 0) return true
    const list = typeof required === 'string' ? [required] : required
    return list.some((p) => permissions.value.has(p))
  }

  // ------------------------------------------------------------ timers and the API bridge

  /** Refreshes ahead of expiry while active; ends the session once idle too long. */
  function check() {
    if (!tokens.value) return
    const now = Date.now()
    if (!isActive(now)) {
      end('timeout')
    } else if (tokens.value.expiresAt - now < REFRESH_MARGIN_MS) {
      void refresh()
    }
  }

  /** Starts activity tracking and the expiry check; returns a function that stops them. */
  function watch(): () => void {
    const onActivity = () => touch()
    const onVisible = () => {
      if (document.visibilityState === 'visible') check()
    }
    for (const event of ACTIVITY_EVENTS) window.addEventListener(event, onActivity, { passive: true, capture: true })
    document.addEventListener('visibilitychange', onVisible)
    const timer = window.setInterval(check, CHECK_EVERY_MS)
    return () => {
      for (const event of ACTIVITY_EVENTS) window.removeEventListener(event, onActivity, { capture: true })
      document.removeEventListener('visibilitychange', onVisible)
      window.clearInterval(timer)
    }
  }

  setAuthBridge({
    async accessToken() {
      if (!tokens.value) return null
      if (tokens.value.expiresAt - Date.now() < 5_000) {
        if (!isActive()) {
          end('timeout')
          return null
        }
        await refresh()
      }
      return tokens.value?.accessToken ?? null
    },
    async recover(code, failedToken) {
      if (!tokens.value) return null
      if (code && SESSION_OVER_CODES.has(code)) {
        end('timeout')
        return null
      }
      // Someone else refreshed while this request was in flight.
      if (tokens.value.accessToken !== failedToken) return tokens.value.accessToken
      if (!isActive()) {
        end('timeout')
        return null
      }
      return (await refresh()) ? (tokens.value?.accessToken ?? null) : null
    },
  })

  return {
    tokens,
    me,
    lastActivity,
    isLoggedIn,
    mustChangePassword,
    permissions,
    idleTimeoutMs,
    restore,
    login,
    loadMe,
    unitRenamed,
    refresh,
    logout,
    end,
    onEnded,
    touch,
    isActive,
    can,
    check,
    watch,
  }
})
