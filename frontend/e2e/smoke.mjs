// Smoke test of the built SPA as served by the Python process.
//   BASE_URL=http://127.0.0.1:8000 QQ_USER=office01 QQ_PASSWORD=... npm run e2e
// Every page but 登录 needs a login: when the login page appears, the test logs in as
// QQ_USER / QQ_PASSWORD (a user who need not change their password and may see every menu,
// e.g. the demo office01).
// Screenshots go to e2e/artifacts/ (home.png on success, *-failure.png on failure).
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { launchBrowser, watchCsp } from './browser.mjs'
import { AppShell } from './pages/AppShell.mjs'
import { HomePage, SERVICES } from './pages/HomePage.mjs'
import { LoginPage } from './pages/LoginPage.mjs'

const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:8000'
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url))

let browser

before(async () => {
  await mkdir(ARTIFACTS, { recursive: true })
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
})

/** Logs in as QQ_USER if the app shows the login page instead of `shell`. */
async function loginIfAsked(page, shell) {
  const login = new LoginPage(page)
  await Promise.race([shell.menu.waitFor({ state: 'visible' }), login.form.waitFor({ state: 'visible' })])
  if (!(await login.isShown())) return
  const { QQ_USER: user, QQ_PASSWORD: password } = process.env
  assert.ok(user && password, 'the app asks for a login: set QQ_USER and QQ_PASSWORD')
  const refused = await login.login(user, password)
  assert.equal(refused, null, `login as ${user} refused: ${refused}`)
  assert.notEqual(new URL(page.url()).pathname, '/password', `${user} must change their password first`)
  await shell.waitForMenu()
}

/** Runs `body` on a fresh page; fails on uncaught page errors, screenshots on failure. */
async function withPage(name, body) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })
  const pageErrors = []
  page.on('pageerror', (err) => pageErrors.push(err.message))
  const csp = watchCsp(page)
  await csp.ready
  try {
    await body(page)
    assert.deepEqual(pageErrors, [], `uncaught errors in the page: ${pageErrors.join('; ')}`)
    assert.ok(csp.policySeen, 'the gateway sends a Content-Security-Policy')
    assert.deepEqual(csp.violations, [], `CSP violations: ${csp.violations.join('; ')}`)
  } catch (err) {
    await page.screenshot({ path: `${ARTIFACTS}${name}-failure.png`, fullPage: true }).catch(() => {})
    throw err
  } finally {
    await page.close()
  }
}

test(`home page at ${BASE_URL} shows the menu, and 服务状态 all services 正常`, () =>
  withPage('home', async (page) => {
    const home = new HomePage(page)
    await page.goto(new URL('/', BASE_URL).href)
    await loginIfAsked(page, home)

    assert.equal((await home.title.innerText()).trim(), '清理拖欠企业账款工作平台')
    for (const label of ['首页', '台账', '投诉', '通知', '报表', '系统管理']) {
      assert.ok(await home.menuItem(label).isVisible(), `menu item ${label} is not visible`)
    }
    await page.screenshot({ path: `${ARTIFACTS}home.png`, fullPage: true })

    await page.goto(new URL('/system/status', BASE_URL).href)
    for (const service of SERVICES) {
      const text = await home.settledStatusText(service)
      assert.equal(text, '正常', `${service} status tag reads ${text}, expected 正常`)
    }
    await page.screenshot({ path: `${ARTIFACTS}service-status.png`, fullPage: true })
  }))

test('deep link /ledger renders the SPA (history-mode fallback)', () =>
  withPage('ledger', async (page) => {
    const shell = new AppShell(page)
    await page.goto(new URL('/ledger', BASE_URL).href)
    await loginIfAsked(page, shell) // and back to /ledger
    await page.waitForURL((url) => url.pathname === '/ledger')
    await page.getByTestId('ledger-page').waitFor()
    assert.match(await page.title(), /^台账明细 - /)
  }))
