// Thin typed wrappers over ledger-api's identity endpoints (/api/ledger/auth, /org, /users,
// /tokens, /login-events, /audit). Each returns the response data or throws an ApiError
// carrying the problem document (src/api/problems.ts).
import type { components, operations } from './generated/ledger'
import { ledgerClient } from './clients'
import { ifMatch, unwrap } from './problems'

type Schemas = components['schemas']
export type TokenResponse = Schemas['TokenResponse']
export type Me = Schemas['Me']
export type Region = Schemas['RegionOut']
export type Unit = Schemas['UnitOut']
export type UnitIn = Schemas['UnitIn']
export type UnitPatch = Schemas['UnitPatch']
export type User = Schemas['UserOut']
export type UserIn = Schemas['UserIn']
export type UserCreated = Schemas['UserCreated']
export type UserPatch = Schemas['UserPatch']
export type ApiToken = Schemas['ApiTokenOut']
export type ApiTokenIn = Schemas['ApiTokenIn']
export type ApiTokenCreated = Schemas['ApiTokenCreated']
export type LoginEvent = Schemas['LoginEventOut']
/** `string` while the contract does not list the results; its labels are typed by it all the same. */
export type LoginResult = LoginEvent['result']
export type AuditEntry = Schemas['AuditEntry']

export interface Paged<T> {
  items: T[]
  total: number
  page: number
  page_size: number
  /** false: at least `total` rows match (the server stopped counting there, e.g. "1,000+"). */
  total_exact?: boolean
}

/** A role as /auth/roles describes it (the contract types that answer as a free object). */
export interface RoleInfo {
  code: string
  label: string
  permissions: string[]
}

export type UserQuery = NonNullable<operations['users_list_users']['parameters']['query']>
export type TokenQuery = NonNullable<operations['tokens_list_tokens']['parameters']['query']>
export type LoginEventQuery = NonNullable<operations['audit_list_login_events']['parameters']['query']>
export type AuditQuery = NonNullable<operations['audit_list_audit']['parameters']['query']>

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' }
const formBody = (body: object | undefined) =>
  new URLSearchParams(
    Object.entries(body ?? {}).flatMap(([k, v]) => (v === undefined || v === null ? [] : [[k, String(v)]])),
  )

/** Drops empty filter values so they do not reach the query string. */
function compact<T extends object>(query: T): T {
  return Object.fromEntries(
    Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== ''),
  ) as T
}

// ---------------------------------------------------------------- auth

export function passwordGrant(username: string, password: string): Promise<TokenResponse> {
  return unwrap(
    ledgerClient.POST('/api/ledger/auth/token', {
      body: { grant_type: 'password', username, password },
      bodySerializer: formBody,
      headers: FORM,
    }),
  )
}

export function refreshGrant(refreshToken: string): Promise<TokenResponse> {
  return unwrap(
    ledgerClient.POST('/api/ledger/auth/token', {
      body: { grant_type: 'refresh_token', refresh_token: refreshToken },
      bodySerializer: formBody,
      headers: FORM,
    }),
  )
}

/** Ends the server-side session; `accessToken` is passed explicitly because the session is being torn down. */
export async function logout(accessToken: string): Promise<void> {
  await unwrap(ledgerClient.POST('/api/ledger/auth/logout', { headers: { Authorization: `Bearer ${accessToken}` } }))
}

export async function changePassword(oldPassword: string, newPassword: string): Promise<void> {
  await unwrap(
    ledgerClient.POST('/api/ledger/auth/password', { body: { old_password: oldPassword, new_password: newPassword } }),
  )
}

export function fetchMe(): Promise<Me> {
  return unwrap(ledgerClient.GET('/api/ledger/auth/me'))
}

export async function fetchRoles(): Promise<RoleInfo[]> {
  const data = (await unwrap(ledgerClient.GET('/api/ledger/auth/roles'))) as { roles?: RoleInfo[] }
  return data.roles ?? []
}

// ---------------------------------------------------------------- organisation

export function listRegions(): Promise<Region[]> {
  return unwrap(ledgerClient.GET('/api/ledger/org/regions'))
}

export function listUnits(q?: string): Promise<Unit[]> {
  return unwrap(ledgerClient.GET('/api/ledger/org/units', { params: { query: compact({ q }) } }))
}

export function createUnit(body: UnitIn): Promise<Unit> {
  return unwrap(ledgerClient.POST('/api/ledger/org/units', { body }))
}

export function updateUnit(unit: Pick<Unit, 'id' | 'version'>, body: UnitPatch): Promise<Unit> {
  return unwrap(
    ledgerClient.PATCH('/api/ledger/org/units/{unit_id}', {
      params: { path: { unit_id: unit.id } },
      headers: { 'If-Match': ifMatch(unit.version) },
      body,
    }),
  )
}

// ---------------------------------------------------------------- users

export function listUsers(query: UserQuery): Promise<Paged<User>> {
  return unwrap(ledgerClient.GET('/api/ledger/users', { params: { query: compact(query) } }))
}

export function getUser(id: string): Promise<User> {
  return unwrap(ledgerClient.GET('/api/ledger/users/{user_id}', { params: { path: { user_id: id } } }))
}

export function createUser(body: UserIn): Promise<UserCreated> {
  return unwrap(ledgerClient.POST('/api/ledger/users', { body }))
}

/** PATCH with If-Match: the version the user was read at (412 when someone changed it since). */
export function updateUser(user: Pick<User, 'id' | 'version'>, body: UserPatch): Promise<User> {
  return unwrap(
    ledgerClient.PATCH('/api/ledger/users/{user_id}', {
      params: { path: { user_id: user.id } },
      headers: { 'If-Match': ifMatch(user.version) },
      body,
    }),
  )
}

export async function resetPassword(id: string): Promise<string> {
  const data = await unwrap(
    ledgerClient.POST('/api/ledger/users/{user_id}/reset-password', { params: { path: { user_id: id } } }),
  )
  return data.one_time_password
}

// ---------------------------------------------------------------- API tokens

export function listTokens(query: TokenQuery): Promise<Paged<ApiToken>> {
  return unwrap(ledgerClient.GET('/api/ledger/tokens', { params: { query: compact(query) } }))
}

export function createToken(body: ApiTokenIn): Promise<ApiTokenCreated> {
  return unwrap(ledgerClient.POST('/api/ledger/tokens', { body }))
}

export function revokeToken(id: string): Promise<ApiToken> {
  return unwrap(ledgerClient.POST('/api/ledger/tokens/{token_id}/revoke', { params: { path: { token_id: id } } }))
}

// ---------------------------------------------------------------- logs

export function listLoginEvents(query: LoginEventQuery): Promise<Paged<LoginEvent>> {
  return unwrap(ledgerClient.GET('/api/ledger/login-events', { params: { query: compact(query) } }))
}

export function listAudit(query: AuditQuery): Promise<Paged<AuditEntry>> {
  return unwrap(ledgerClient.GET('/api/ledger/audit', { params: { query: compact(query) } }))
}
