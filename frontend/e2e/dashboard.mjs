// The dashboard (首页 of the office), against the built SPA served by the Python process:
//
//   BASE_URL=http://127.0.0.1:8000 QQ_OFFICE_USER=office01 QQ_OFFICE_PASSWORD=... \
//   QQ_UNIT_ID=<a unit with items> QQ_ITEM_LEDGER_NO=<an item with a repayment waiting for 核实> \
//   QQ_EXPECT_OUTSTANDING=<the dashboard's 未清偿 now> QQ_REPAYMENT=<that repayment's amount> \
//   node --test e2e/dashboard.mjs
//
// 1. The office logs in and lands on the dashboard: 未清偿金额 reads the expected amount, the charts
//    are drawn. Screenshot: dashboard.png.
// 2. A click on the unit's bar in 各责任单位欠款 opens the ledger list filtered to that unit
//    (/ledger?unit=…), and the list shows only that unit's items. Screenshot: dashboard-drill.png.
// 3. In 核实队列 the office verifies the waiting repayment; back on 首页, 未清偿金额 has gone down by
//    exactly its amount. Screenshot: dashboard-after.png.
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { launchBrowser } from './browser.mjs'
import { AppShell } from './pages/AppShell.mjs'
import { LedgerListPage } from './pages/LedgerListPage.mjs'
import { LoginPage } from './pages/LoginPage.mjs'
import { VerificationPage } from './pages/VerificationPage.mjs'

const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url))

function required(name) {
  const value = process.env[name]
  if (!value) throw new Error(`environment variable ${name} is required`)
  return value
}

const env = {
  baseUrl: process.env.BASE_URL ?? 'http://127.0.0.1:8000',
  officeUser: required('QQ_OFFICE_USER'),
  officePassword: required('QQ_OFFICE_PASSWORD'),
  unitId: required('QQ_UNIT_ID'),
  ledgerNo: required('QQ_ITEM_LEDGER_NO'),
  outstanding: required('QQ_EXPECT_OUTSTANDING'),
  repayment: required('QQ_REPAYMENT'),
}

/** Decimal strings to fen, and back: no floats near money. */
const fen = (s) => BigInt(s.replace('.', ''))
const yuan = (f) => `${f / 100n}.${String(f % 100n).padStart(2, '0')}`

let browser

before(async () => {
  await mkdir(ARTIFACTS, { recursive: true })
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
})

async function dashboardOutstanding(page) {
  const kpi = page.getByTestId('kpi-outstanding').locator('.kpi-value')
  await kpi.waitFor({ state: 'visible', timeout: 20_000 })
  return kpi.getAttribute('data-value')
}

async function chartsDrawn(page) {
  const chart = page.getByTestId('chart-by-unit')
  await page.waitForFunction(
    () => (JSON.parse(document.querySelector('[data-testid="chart-by-unit"]')?.getAttribute('data-bars') ?? '[]')).length > 0,
    null,
    { timeout: 20_000 },
  )
  return JSON.parse(await chart.getAttribute('data-bars'))
}

test(`the dashboard at ${env.baseUrl}: figures, a chart click to the list, a change after 核实`, async () => {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1200 }, locale: 'zh-CN' })
  const page = await context.newPage()
  const pageErrors = []
  page.on('pageerror', (err) => pageErrors.push(err.message))
  let step = 'login'
  try {
    const login = new LoginPage(page)
    await login.goto(env.baseUrl)
    assert.equal(await login.login(env.officeUser, env.officePassword), null)
    const shell = new AppShell(page)
    await shell.waitForMenu()
    assert.equal(new URL(page.url()).pathname, '/')

    step = 'dashboard'
    assert.equal(await dashboardOutstanding(page), env.outstanding)
    const bars = await chartsDrawn(page)
    await page.waitForTimeout(800) // the charts' entry animation
    await page.screenshot({ path: `${ARTIFACTS}dashboard.png`, fullPage: true })

    step = 'drill-down'
    const bar = bars.find((b) => b.unit === env.unitId)
    assert.ok(bar, `no bar for unit ${env.unitId}: ${JSON.stringify(bars)}`)
    const box = await page.getByTestId('chart-by-unit').boundingBox()
    await page.mouse.click(box.x + bar.x, box.y + bar.y)
    await page.waitForURL((url) => url.pathname === '/ledger')
    assert.equal(new URL(page.url()).searchParams.get('unit'), env.unitId)
    const list = new LedgerListPage(page)
    await list.root.waitFor({ state: 'visible' })
    await list.waitForLoaded()
    await list.row(env.ledgerNo).waitFor({ state: 'visible' })
    await page.screenshot({ path: `${ARTIFACTS}dashboard-drill.png` })

    step = 'verify'
    const queue = new VerificationPage(page)
    await queue.open()
    await queue.pendingRow(env.ledgerNo).waitFor({ state: 'visible' })
    await queue.verify(env.ledgerNo)

    step = 'dashboard-after'
    await shell.menuItem('首页').click()
    await page.waitForURL((url) => url.pathname === '/')
    const expected = yuan(fen(env.outstanding) - fen(env.repayment))
    await page.waitForFunction(
      (value) => document.querySelector('[data-testid="kpi-outstanding"] .kpi-value')?.getAttribute('data-value') === value,
      expected,
      { timeout: 20_000 },
    )
    await chartsDrawn(page)
    await page.waitForTimeout(800)
    await page.screenshot({ path: `${ARTIFACTS}dashboard-after.png`, fullPage: true })
    assert.deepEqual(pageErrors, [], `uncaught errors in the page: ${pageErrors.join('; ')}`)
  } catch (err) {
    await page.screenshot({ path: `${ARTIFACTS}${step}-failure.png`, fullPage: true }).catch(() => {})
    throw err
  } finally {
    await context.close()
  }
})
