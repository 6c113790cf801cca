// Smoke test of the built SPA as served by the Python process.
//   BASE_URL=http://127.0.0.1:8000 npm run e2e
// Screenshots go to e2e/artifacts/ (home.png on success, *-failure.png on failure).
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { launchBrowser } from './browser.mjs'
import { AppShell } from './pages/AppShell.mjs'
import { HomePage, SERVICES } from './pages/HomePage.mjs'

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

/** Runs `body` on a fresh page; fails on uncaught page errors, screenshots on failure. */
async function withPage(name, body) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })
  const pageErrors = []
  page.on('pageerror', (err) => pageErrors.push(err.message))
  try {
    await body(page)
    assert.deepEqual(pageErrors, [], `uncaught errors in the page: ${pageErrors.join('; ')}`)
  } catch (err) {
    await page.screenshot({ path: `${ARTIFACTS}${name}-failure.png`, fullPage: true }).catch(() => {})
    throw err
  } finally {
    await page.close()
  }
}

test(`home page at ${BASE_URL} shows the menu and all services 正常`, () =>
  withPage('home', async (page) => {
    const home = new HomePage(page)
    await home.goto(BASE_URL)

    assert.equal((await home.title.innerText()).trim(), '清理拖欠企业账款工作平台')
    for (const label of ['首页', '台账', '投诉', '通知', '报表', '系统管理']) {
      assert.ok(await home.menuItem(label).isVisible(), `menu item ${label} is not visible`)
    }
    for (const service of SERVICES) {
      const text = await home.settledStatusText(service)
      assert.equal(text, '正常', `${service} status tag reads ${text}, expected 正常`)
    }

    await page.screenshot({ path: `${ARTIFACTS}home.png`, fullPage: true })
  }))

test('deep link /ledger renders the SPA (history-mode fallback)', () =>
  withPage('ledger', async (page) => {
    const shell = new AppShell(page)
    await page.goto(new URL('/ledger', BASE_URL).href)
    await shell.waitForMenu()
    await page.getByTestId('coming-soon').waitFor()
    assert.match(await page.title(), /^台账 - /)
  }))
