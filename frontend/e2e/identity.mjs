// Identity e2e against the built SPA served by the Python process (a fresh platform whose
// administrator still has the one-time password printed at first start):
//
//   BASE_URL=http://127.0.0.1:8000 QQ_ADMIN_USER=admin QQ_ADMIN_PASSWORD=<one-time> \
//   QQ_NEW_PASSWORD=<new admin password> QQ_UNIT_NAME=海澄县财政局 QQ_NEW_USERNAME=e2e_op01 \
//   npm run e2e:identity
//
// Logs in (forced to 修改密码), changes the password, creates a user (unit_operator in
// QQ_UNIT_NAME) and an API token with scope complaints:read through the UI, and writes
// e2e/artifacts/identity-result.json = {"token", "new_user", "new_user_password"}.
// Screenshots: artifacts/login.png, password.png, users.png, tokens.png (*-failure.png on failure).
import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { launchBrowser, watchCsp } from './browser.mjs'
import { AppShell } from './pages/AppShell.mjs'
import { LoginPage } from './pages/LoginPage.mjs'
import { PasswordPage } from './pages/PasswordPage.mjs'
import { TokensPage } from './pages/TokensPage.mjs'
import { UsersPage } from './pages/UsersPage.mjs'

const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url))

function required(name) {
  const value = process.env[name]
  if (!value) throw new Error(`environment variable ${name} is required`)
  return value
}

const env = {
  baseUrl: process.env.BASE_URL ?? 'http://127.0.0.1:8000',
  adminUser: process.env.QQ_ADMIN_USER ?? 'admin',
  adminPassword: required('QQ_ADMIN_PASSWORD'),
  newPassword: required('QQ_NEW_PASSWORD'),
  unitName: required('QQ_UNIT_NAME'),
  newUsername: process.env.QQ_NEW_USERNAME ?? `e2e_op_${Date.now().toString(36)}`,
  newDisplayName: process.env.QQ_NEW_DISPLAY_NAME ?? '测试经办人',
  tokenName: process.env.QQ_TOKEN_NAME ?? '投诉查询脚本',
}

let browser

before(async () => {
  await mkdir(ARTIFACTS, { recursive: true })
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
})

test(`identity flow at ${env.baseUrl}: forced password change, create user and API token`, async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 860 }, locale: 'zh-CN' })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(env.baseUrl).origin })
  const page = await context.newPage()
  const pageErrors = []
  page.on('pageerror', (err) => pageErrors.push(err.message))
  const csp = watchCsp(page)
  await csp.ready
  let step = 'login'
  try {
    // 登录 page: no watermark before login.
    const login = new LoginPage(page)
    await login.goto(env.baseUrl)
    assert.equal((await login.title.innerText()).trim(), '清理拖欠企业账款工作平台')
    assert.equal(await page.getByTestId('watermark').count(), 0, 'the login page must not carry the watermark')
    await page.screenshot({ path: `${ARTIFACTS}login.png`, fullPage: true })

    // One-time password: straight to 修改密码, and nowhere else.
    const refused = await login.login(env.adminUser, env.adminPassword)
    assert.equal(refused, null, `login refused: ${refused}`)
    step = 'password'
    const password = new PasswordPage(page)
    await password.waitFor()
    assert.ok(await password.forcedNotice.isVisible(), 'the forced-change notice is not shown')
    assert.match(await password.policy.innerText(), /至少 8 位/)
    await page.goto(new URL('/system/users', env.baseUrl).href)
    await password.waitFor() // the guard sends the user back
    await page.screenshot({ path: `${ARTIFACTS}password.png`, fullPage: true })
    await password.change(env.adminPassword, env.newPassword)

    // Home after the change: header user menu and the watermark.
    step = 'home'
    const shell = new AppShell(page)
    await shell.waitForMenu()
    await shell.userName.waitFor({ state: 'visible' })
    const mark = await shell.watermarkText()
    assert.ok(mark, 'no watermark after login')
    assert.match(mark, new RegExp(` ${env.adminUser} \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}$`))

    // 用户管理: create the user, read the one-time password shown once.
    step = 'users'
    const users = new UsersPage(page)
    await users.open()
    const newUserPassword = await users.createUser({
      username: env.newUsername,
      displayName: env.newDisplayName,
      unitName: env.unitName,
      roles: ['unit_operator'],
    })
    assert.match(newUserPassword, /^\S{8,}$/, 'no one-time password shown')
    await users.search(env.newUsername)
    const row = users.row(env.newUsername)
    await row.waitFor({ state: 'visible' })
    const rowText = await row.innerText()
    assert.match(rowText, /成员单位经办人/)
    assert.ok(rowText.includes(env.unitName), `the row does not name ${env.unitName}: ${rowText}`)
    await users.search('')
    await users.row(env.newUsername).waitFor({ state: 'visible' })
    await page.waitForFunction(() => !document.querySelector('.el-message')) // the 已复制 toast
    await page.screenshot({ path: `${ARTIFACTS}users.png`, fullPage: true })

    // API 令牌: a token with complaints:read, shown once.
    step = 'tokens'
    const tokens = new TokensPage(page)
    await tokens.open()
    const token = await tokens.createToken({ name: env.tokenName, scopes: ['complaints:read'] })
    assert.match(token, /^qq_[0-9a-f]+_\S+$/, `unexpected token format: ${token}`)
    await tokens.row(env.tokenName).first().waitFor({ state: 'visible' })
    await tokens.waitForLoaded()
    await page.waitForFunction(() => !document.querySelector('.el-message'))
    await page.screenshot({ path: `${ARTIFACTS}tokens.png`, fullPage: true })

    await writeFile(
      `${ARTIFACTS}identity-result.json`,
      `${JSON.stringify({ token, new_user: env.newUsername, new_user_password: newUserPassword }, null, 2)}\n`,
    )
    assert.deepEqual(pageErrors, [], `uncaught errors in the page: ${pageErrors.join('; ')}`)
    assert.ok(csp.policySeen, 'the gateway sends a Content-Security-Policy')
    assert.deepEqual(csp.violations, [], `CSP violations: ${csp.violations.join('; ')}`)
  } catch (err) {
    await page.screenshot({ path: `${ARTIFACTS}${step}-failure.png`, fullPage: true }).catch(() => {})
    throw err
  } finally {
    await context.close()
  }
})
