import { beforeEach, describe, expect, it, vi } from 'vitest'

const messages: { type: string; message: string }[] = []
vi.mock('element-plus', () => ({
  ElMessage: (options: { type: string; message: string }) => messages.push(options),
}))

const { ApiError, fieldName, ifMatch, isProblem, mapFieldErrors, problemMessage, showProblem, toProblem, unwrap, useProblemForm } =
  await import('./problems')

const validation = {
  type: 'urn:qingqian:problem:validation_failed',
  title: '提交的数据未通过校验',
  status: 422,
  code: 'validation_failed',
  detail: 'body.username: 格式不正确；body.display_name: 内容过短',
  request_id: 'abc123',
  errors: [
    { field: 'body.username', message: '格式不正确', code: 'string_pattern_mismatch' },
    { field: 'body.display_name', message: '内容过短', code: 'string_too_short' },
    { field: 'body.creditor.uscc', message: '校验位错误', code: 'uscc_check_digit' },
    { field: 'query.page', message: '数值过小', code: 'greater_than_equal' },
  ],
}

beforeEach(() => {
  messages.length = 0
})

describe('fieldName', () => {
  it.each([
    ['body.username', 'username'],
    ['query.page', 'page'],
    ['path.user_id', 'user_id'],
    ['username', 'username'],
    ['new_password', 'new_password'],
    ['body.creditor.uscc', 'creditor.uscc'],
    ['body', 'body'],
  ])('%s → %s', (field, expected) => {
    expect(fieldName(field)).toBe(expected)
  })
})

describe('mapFieldErrors', () => {
  it('puts messages under the form fields and keeps the rest', () => {
    const { fields, unmatched } = mapFieldErrors(validation, ['username', 'display_name', 'unit_id'])
    expect(fields).toEqual({ username: '格式不正确', display_name: '内容过短' })
    expect(unmatched.map((e) => e.field)).toEqual(['body.creditor.uscc', 'query.page'])
  })

  it('maps a nested field onto its top-level prop and joins several messages', () => {
    const problem = {
      title: '提交的数据未通过校验',
      errors: [
        { field: 'new_password', message: '密码长度至少 8 位' },
        { field: 'new_password', message: '密码不得包含用户名' },
        { field: 'body.creditor.uscc', message: '校验位错误' },
      ],
    }
    const { fields, unmatched } = mapFieldErrors(problem, ['new_password', 'creditor'])
    expect(fields).toEqual({ new_password: '密码长度至少 8 位；密码不得包含用户名', creditor: '校验位错误' })
    expect(unmatched).toEqual([])
  })

  it('prefers an exact nested prop over its parent', () => {
    const problem = { title: 'x', errors: [{ field: 'body.creditor.uscc', message: '校验位错误' }] }
    expect(mapFieldErrors(problem, ['creditor', 'creditor.uscc']).fields).toEqual({ 'creditor.uscc': '校验位错误' })
  })

  it('copes with problems without errors', () => {
    expect(mapFieldErrors({ title: '无权进行此操作', errors: null }, ['a'])).toEqual({ fields: {}, unmatched: [] })
  })
})

describe('toProblem', () => {
  it('keeps problem documents, filling the status in', () => {
    const p = toProblem({ title: '账户已锁定', code: 'account_locked', detail: '请于 10:15 后重试' }, 423)
    expect(p).toMatchObject({ title: '账户已锁定', status: 423, code: 'account_locked' })
    expect(isProblem(p)).toBe(true)
  })

  it('unwraps an ApiError', () => {
    expect(toProblem(new ApiError(validation))).toBe(validation)
  })

  it('turns a network failure into a Chinese problem', () => {
    expect(toProblem(new TypeError('Failed to fetch'))).toMatchObject({ title: '网络连接失败', status: 0 })
  })

  it('does not show proxy HTML pages', () => {
    const p = toProblem('<html><body>502 Bad Gateway</body></html>', 502)
    expect(p).toMatchObject({ title: '服务器内部错误', status: 502, detail: null })
  })

  it('keeps a short plain-text body as the detail', () => {
    expect(toProblem('upstream timed out', 400)).toMatchObject({ title: '请求失败', detail: 'upstream timed out' })
  })
})

describe('problemMessage and showProblem', () => {
  it('joins title and detail', () => {
    expect(problemMessage({ title: '未登录或登录已失效', detail: '用户名或密码错误' })).toBe('未登录或登录已失效：用户名或密码错误')
    expect(problemMessage({ title: '请求的资源不存在', detail: null })).toBe('请求的资源不存在')
    expect(problemMessage({ title: '账户已锁定', detail: '账户已锁定' })).toBe('账户已锁定')
    // Issue 15: a generic title (409, 422) before the specific message read as technical.
    expect(problemMessage({ title: '与当前数据状态冲突', status: 409, detail: '明细已销账' })).toBe('明细已销账')
    expect(problemMessage({ title: '提交的数据未通过校验', status: 422, detail: '付款期限不能早于交付日期' })).toBe('付款期限不能早于交付日期')
    expect(problemMessage({ title: '与当前数据状态冲突', status: 409, detail: null })).toBe('与当前数据状态冲突')
  })

  it('toasts an error, or a warning for conflicts', () => {
    showProblem(new ApiError({ title: '无权进行此操作', status: 403, detail: '需要权限：users:manage' }))
    showProblem({ title: '数据已被他人修改，请刷新后重试', status: 412 })
    expect(messages).toMatchObject([
      { type: 'error', message: '无权进行此操作：需要权限：users:manage' },
      { type: 'warning', message: '数据已被他人修改，请刷新后重试' },
    ])
  })
})

describe('useProblemForm', () => {
  it('sets field errors and shows nothing else when every error found its field', async () => {
    const form = useProblemForm(['old_password', 'new_password'] as const)
    await form.handle(
      new ApiError({
        title: '提交的数据未通过校验',
        status: 422,
        detail: '密码长度至少 8 位',
        errors: [{ field: 'new_password', message: '密码长度至少 8 位', code: 'password_policy' }],
      }),
    )
    expect(form.errors).toEqual({ old_password: '', new_password: '密码长度至少 8 位' })
    // Issue 15: no generic toast repeating what the field already says.
    expect(messages).toEqual([])
  })

  it('shows only the errors that name no field of the form', async () => {
    const form = useProblemForm(['username', 'display_name'] as const)
    await form.handle(validation)
    expect(form.errors).toEqual({ username: '格式不正确', display_name: '内容过短' })
    // Only the errors no field shows, each once, without the generic title.
    expect(messages.map((m) => m.message)).toEqual(['creditor.uscc：校验位错误；page：数值过小'])
  })

  it('clears earlier field errors', async () => {
    const form = useProblemForm(['username'] as const)
    await form.handle(validation)
    await form.handle({ title: '无权进行此操作', status: 403 })
    expect(form.errors.username).toBe('')
  })
})

describe('unwrap', () => {
  const response = (status: number) => new Response(null, { status })

  it('returns the data of a 2xx answer', async () => {
    await expect(unwrap(Promise.resolve({ data: { id: 1 }, response: response(200) }))).resolves.toEqual({ id: 1 })
  })

  it('throws an ApiError carrying the problem', async () => {
    const err = (await unwrap(Promise.resolve({ error: validation, response: response(422) })).catch((e: unknown) => e)) as InstanceType<typeof ApiError>
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(422)
    expect(err.code).toBe('validation_failed')
    expect(err.problem.errors).toHaveLength(4)
  })

  it('throws status 0 on a network failure', async () => {
    const err = (await unwrap(Promise.reject(new TypeError('Failed to fetch'))).catch((e: unknown) => e)) as InstanceType<typeof ApiError>
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(0)
  })
})

it('ifMatch writes the weak ETag of a version', () => {
  expect(ifMatch(3)).toBe('W/"3"')
})
