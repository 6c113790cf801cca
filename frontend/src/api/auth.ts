// The one openapi-fetch middleware every client uses: it puts the access token on each
// request and, on a 401, lets the session refresh it once and replays the request.
//
// It does not know about Pinia: the session store registers itself as the AuthBridge
// (src/stores/session.ts), which keeps this module free of import cycles.
import type { Middleware } from 'openapi-fetch'

export interface AuthBridge {
  /** A usable access token (refreshed first when it is about to expire), or null. */
  accessToken(): Promise<string | null>
  /**
   * A request was answered 401 with this problem `code`. Returns a fresh access token to
   * retry with, or null when the session is over (the bridge has already logged out).
   */
  recover(code: string | undefined, failedToken: string): Promise<string | null>
}

let bridge: AuthBridge | null = null

export function setAuthBridge(next: AuthBridge | null): void {
  bridge = next
}

/** Endpoints that must not carry (or recover) the session's bearer token. */
const TOKEN_ENDPOINT = '/api/ledger/auth/token'

// Replays need the request body again: keep a clone of every authorised request until
// its response is in.
const pending = new Map<string, { clone: Request; token: string }>()

async function problemCode(response: Response): Promise<string | undefined> {
  try {
    const body: unknown = await response.clone().json()
    if (typeof body === 'object' && body !== null && 'code' in body && typeof body.code === 'string') return body.code
  } catch {
    // not JSON: no code
  }
  return undefined
}

export const authMiddleware: Middleware = {
  async onRequest({ request, schemaPath, id }) {
    if (!bridge || schemaPath === TOKEN_ENDPOINT || request.headers.has('Authorization')) return undefined
    const token = await bridge.accessToken()
    if (!token) return undefined
    request.headers.set('Authorization', `Bearer ${token}`)
    pending.set(id, { clone: request.clone(), token })
    return request
  },

  async onResponse({ response, id, options }) {
    const sent = pending.get(id)
    pending.delete(id)
    if (!sent || response.status !== 401 || !bridge) return undefined
    const token = await bridge.recover(await problemCode(response), sent.token)
    if (!token) return undefined
    const retry = sent.clone
    retry.headers.set('Authorization', `Bearer ${token}`)
    const { fetch } = options // unbound: window.fetch refuses `this === options` (Illegal invocation)
    return fetch(retry)
  },

  onError({ id }) {
    pending.delete(id)
    return undefined
  },
}
