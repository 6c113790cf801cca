// RFC 9457 problem documents → what a clerk sees.
//
// Every backend error is `application/problem+json`: {title (Chinese), code, detail,
// errors?[{field, message, code}], request_id}. This module is the one place that turns
// them into an ElMessage toast and/or field-level errors on an el-form:
//
//   const form = useProblemForm()                 // in a component with an el-form
//   <el-form-item prop="username" :error="form.errors.username">
//   try { await createUser(body) } catch (e) { form.handle(e) }
//
// Pages without a form call `showProblem(e)`; page-level load failures can be shown
// with <ProblemAlert :problem="toProblem(e)" />.
import { nextTick, reactive } from 'vue'
import { ElMessage } from 'element-plus'
import { i18n } from '@/locales'

export interface FieldProblem {
  field: string
  message: string
  code?: string
}

export interface Problem {
  type?: string
  title: string
  status?: number
  code?: string
  detail?: string | null
  instance?: string | null
  request_id?: string | null
  errors?: FieldProblem[] | null
}

/** Thrown by the API wrappers for any non-2xx answer (and for network failures, status 0). */
export class ApiError extends Error {
  readonly problem: Problem
  readonly status: number

  constructor(problem: Problem, status = problem.status ?? 0) {
    super(problemMessage(problem))
    this.name = 'ApiError'
    this.problem = problem
    this.status = status
  }

  get code(): string | undefined {
    return this.problem.code
  }
}

function t(key: string, values?: Record<string, unknown>): string {
  return values ? i18n.global.t(key, values) : i18n.global.t(key)
}

export function isProblem(value: unknown): value is Problem {
  return (
    typeof value === 'object' &&
    value !== null &&
    'title' in value &&
    typeof (value as { title: unknown }).title === 'string'
  )
}

/**
 * Any error → a Problem: ApiError and problem bodies as they are; a non-problem body
 * (HTML from a proxy, plain text…) or a thrown network error become a generic Chinese one.
 */
export function toProblem(error: unknown, status?: number): Problem {
  if (error instanceof ApiError) return error.problem
  if (isProblem(error)) return { ...error, status: error.status ?? status }
  if (status === 0 || (status === undefined && error instanceof Error)) {
    return { title: t('problem.network'), status: 0, code: 'network_error', detail: t('problem.networkDetail') }
  }
  const title = status && status >= 500 ? t('problem.server') : t('problem.generic')
  const detail = typeof error === 'string' && error && error.length < 300 && !error.startsWith('<') ? error : null
  return { title, status, code: 'unexpected_response', detail }
}

/**
 * The form field an error's `field` names. Validation errors carry the request location
 * first ("body.creditor.uscc"); rule errors carry the field alone ("username").
 */
export function fieldName(field: string): string {
  const parts = field.split('.')
  if (parts.length > 1 && ['body', 'query', 'path', 'header', 'form'].includes(parts[0] ?? '')) parts.shift()
  return parts.join('.')
}

/**
 * Splits a problem's `errors` into messages for known form fields (several messages for one
 * field are joined with '；') and the rest. A nested field ("creditor.uscc") also matches
 * its top-level form prop ("creditor") when only that is known.
 */
export function mapFieldErrors(
  problem: Problem,
  fields: readonly string[],
): { fields: Record<string, string>; unmatched: FieldProblem[] } {
  const out: Record<string, string> = {}
  const unmatched: FieldProblem[] = []
  for (const err of problem.errors ?? []) {
    const name = fieldName(err.field)
    const target = fields.includes(name) ? name : fields.find((f) => name.startsWith(`${f}.`))
    if (target === undefined) {
      unmatched.push(err)
      continue
    }
    out[target] = out[target] ? `${out[target]}；${err.message}` : err.message
  }
  return { fields: out, unmatched }
}

/** Statuses whose title is generic (提交的数据未通过校验, 与当前数据状态冲突): the detail says it all. */
const DETAIL_SAYS_IT = new Set([409, 422])

/** One line for a toast: "title：detail" (the detail alone when it already says it all). */
export function problemMessage(problem: Problem): string {
  const detail = problem.detail?.trim()
  if (!detail || detail === problem.title) return problem.title
  if (problem.status !== undefined && DETAIL_SAYS_IT.has(problem.status)) return detail
  return `${problem.title}：${detail}`
}

/** Shows the problem as an error toast; returns it for further use. */
export function showProblem(error: unknown, options: { message?: string } = {}): Problem {
  const problem = toProblem(error)
  ElMessage({
    type: problem.status === 409 || problem.status === 412 ? 'warning' : 'error',
    message: options.message ?? problemMessage(problem),
    grouping: true,
    showClose: true,
    duration: 5000,
  })
  return problem
}

/**
 * Field errors for one el-form. Bind `:error="form.errors.<prop>"` on each el-form-item;
 * `handle(e)` puts the problem's field errors under their fields and toasts only what names no
 * field of this form (nothing when every error found its field).
 */
export function useProblemForm<F extends string>(fieldNames: readonly F[]) {
  const errors = reactive(Object.fromEntries(fieldNames.map((f) => [f, '']))) as Record<F, string>

  function clear() {
    for (const f of fieldNames) errors[f] = ''
  }

  async function handle(error: unknown): Promise<Problem> {
    const problem = toProblem(error)
    clear()
    // el-form-item only re-shows an error whose text changed: let the clear render first.
    await nextTick()
    const { fields, unmatched } = mapFieldErrors(problem, fieldNames)
    Object.assign(errors, fields)
    if (Object.keys(fields).length > 0 && unmatched.length === 0) {
      // Each message is already under its field: a toast would only say it a second time.
    } else if (unmatched.length > 0) {
      // Only what no field of this form shows, once.
      const extra = unmatched.map((e) => `${fieldName(e.field)}：${e.message}`).join('；')
      ElMessage({ type: 'error', message: extra, grouping: true, showClose: true, duration: 5000 })
    } else {
      showProblem(problem)
    }
    return problem
  }

  return { errors, clear, handle }
}

/** `W/"3"`: the weak ETag the backend expects back in If-Match for version 3. */
export function ifMatch(version: number): string {
  return `W/"${version}"`
}

interface FetchResult<T> {
  data?: T
  error?: unknown
  response: Response
}

/** Awaits an openapi-fetch call: the data on 2xx, an ApiError otherwise (status 0: network). */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>
  try {
    result = await call
  } catch (err) {
    if (err instanceof ApiError) throw err
    throw new ApiError(toProblem(err, 0), 0)
  }
  const { data, error, response } = result
  if (response.ok) return data as T
  throw new ApiError(toProblem(error, response.status), response.status)
}
