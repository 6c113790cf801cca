import { afterEach, describe, expect, it, vi } from 'vitest'
import createClient from 'openapi-fetch'
import { authMiddleware, setAuthBridge, type AuthBridge } from './auth'

interface Seen {
  url: string
  auth: string | null
  body: string
}

/** A client whose fetch answers 401 to `expiredToken` and 200 otherwise, recording every request. */
function clientWith(expiredToken: string) {
  const seen: Seen[] = []
  const fetch = vi.fn(async function (this: unknown, request: Request) {
    if (this !== undefined && this !== globalThis) throw new TypeError('Illegal invocation')
    const auth = request.headers.get('Authorization')
    seen.push({ url: new URL(request.url).pathname, auth, body: await request.clone().text() })
    if (auth === `Bearer ${expiredToken}`) {
      return new Response(JSON.stringify({ title: '未登录或登录已失效', status: 401, code: 'token_expired' }), {
        status: 401,
        headers: { 'Content-Type': 'application/problem+json' },
      })
    }
    return new Response(JSON.stringify({ ok: true }), { status: 200, headers: { 'Content-Type': 'application/json' } })
  })
  const client = createClient<any>({ baseUrl: 'http://spa.test', fetch })
  client.use(authMiddleware)
  return { client, seen }
}

afterEach(() => setAuthBridge(null))

describe('authMiddleware', () => {
  it('adds the bearer token', async () => {
    setAuthBridge({ accessToken: async () => 'A', recover: async () => null })
    const { client, seen } = clientWith('none')
    await client.GET('/api/ledger/auth/me', {})
    expect(seen).toEqual([{ url: '/api/ledger/auth/me', auth: 'Bearer A', body: '' }])
  })

  it('on 401 lets the session recover and replays the request, body included', async () => {
    const recover = vi.fn<AuthBridge['recover']>(async () => 'B')
    setAuthBridge({ accessToken: async () => 'A', recover })
    const { client, seen } = clientWith('A')
    const { data, response } = await client.POST('/api/ledger/users', { body: { username: 'zhang' } })
    expect(response.status).toBe(200)
    expect(data).toEqual({ ok: true })
    expect(recover).toHaveBeenCalledWith('token_expired', 'A')
    expect(seen.map((s) => s.auth)).toEqual(['Bearer A', 'Bearer B'])
    expect(seen[1]?.body).toBe('{"username":"zhang"}')
  })

  it('passes the 401 through when the session is over', async () => {
    setAuthBridge({ accessToken: async () => 'A', recover: async () => null })
    const { client, seen } = clientWith('A')
    const { error, response } = await client.GET('/api/ledger/auth/me', {})
    expect(response.status).toBe(401)
    expect(error).toMatchObject({ code: 'token_expired' })
    expect(seen).toHaveLength(1)
  })

  it('leaves the token endpoint and explicit Authorization headers alone', async () => {
    const recover = vi.fn(async () => 'B')
    setAuthBridge({ accessToken: async () => 'A', recover })
    const { client, seen } = clientWith('X')
    await client.POST('/api/ledger/auth/token', { body: {} })
    await client.POST('/api/ledger/auth/logout', { headers: { Authorization: 'Bearer X' } })
    expect(seen.map((s) => s.auth)).toEqual([null, 'Bearer X'])
    expect(recover).not.toHaveBeenCalled()
  })

  it('sends no token when logged out', async () => {
    setAuthBridge({ accessToken: async () => null, recover: async () => null })
    const { client, seen } = clientWith('none')
    await client.GET('/api/ledger/healthz', {})
    expect(seen[0]?.auth).toBeNull()
  })
})
