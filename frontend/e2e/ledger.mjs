// The clerk's week, end to end, against the built SPA served by the Python process:
//
//   BASE_URL=http://127.0.0.1:8000 \
//   QQ_OPERATOR_USER=caizheng01 QQ_OPERATOR_PASSWORD=... \
//   QQ_OFFICE_USER=office01 QQ_OFFICE_PASSWORD=... \
//   QQ_ITEM_LEDGER_NO=990121-2026-000019 QQ_EVIDENCE_PDF=/path/to/receipt.pdf \
//   npm run e2e:ledger
//
// QQ_ITEM_LEDGER_NO is an open item of the operator's unit, created through the API before the
// run (test data is never clicked together), with an outstanding amount such as "50000.00".
// Optional QQ_ITEM_KEYWORD: what to type into 关键词 (default: the ledger number; the server
// matches a ledger number whole, or any part of a debtor, creditor or contract name).
//
// 1. The operator (unit_operator, password already changed) finds the item through the keyword
//    filter and in the built-in view 我负责的 (a server filter), opens it, files this week's 周进展,
//    and reports a repayment of the whole outstanding amount by bank transfer with the PDF as
//    evidence. Screenshots: ledger-list.png, item.png.
// 2. The office (office_admin) opens 核实队列 (the server's queue of pending repayments), checks
//    the repayment's row, opens the item and sees its write-off refused with every reason (the
//    repayment is not verified yet), verifies it in the queue, opens the item from 待销账, writes
//    it off, and checks that its status reads 已销账. Screenshots: verification.png,
//    write-off-refused.png, written-off.png.
// Any failure (or an uncaught error in the page) fails the test, so the process exits non-zero;
// a screenshot <step>-failure.png is kept.
import assert from 'node:assert/strict'
import { access, mkdir } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { launchBrowser, watchCsp } from './browser.mjs'
import { AppShell } from './pages/AppShell.mjs'
import { ItemPage } from './pages/ItemPage.mjs'
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
  operatorUser: required('QQ_OPERATOR_USER'),
  operatorPassword: required('QQ_OPERATOR_PASSWORD'),
  officeUser: required('QQ_OFFICE_USER'),
  officePassword: required('QQ_OFFICE_PASSWORD'),
  ledgerNo: required('QQ_ITEM_LEDGER_NO'),
  evidencePdf: required('QQ_EVIDENCE_PDF'),
}
env.keyword = process.env.QQ_ITEM_KEYWORD ?? env.ledgerNo

let browser

before(async () => {
  await mkdir(ARTIFACTS, { recursive: true })
  await access(env.evidencePdf)
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
})

async function login(page, username, password) {
  const login = new LoginPage(page)
  await login.goto(env.baseUrl)
  const refused = await login.login(username, password)
  assert.equal(refused, null, `login as ${username} refused: ${refused}`)
  assert.notEqual(new URL(page.url()).pathname, '/password', `${username} must change their password first`)
  await new AppShell(page).waitForMenu()
}

/** Waits for the toasts to go so they do not cover the screenshot. */
async function noToasts(page) {
  await page.waitForFunction(() => !document.querySelector('.el-message'), null, { timeout: 10_000 }).catch(() => {})
}

/** Scrolls the page body back to the top (the header of an item page). */
async function scrollTop(page) {
  await page.evaluate(() => document.querySelector('.app-main')?.scrollTo(0, 0))
}

test(`the clerk's week at ${env.baseUrl}: weekly update, repayment with evidence, verification, write-off`, async () => {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1100 }, locale: 'zh-CN', acceptDownloads: true })
  const page = await context.newPage()
  const pageErrors = []
  page.on('pageerror', (err) => pageErrors.push(err.message))
  const csp = watchCsp(page)
  await csp.ready
  let step = 'operator-login'
  try {
    // ---------------------------------------------------------------- the unit operator
    await login(page, env.operatorUser, env.operatorPassword)

    step = 'ledger-list'
    const list = new LedgerListPage(page)
    await list.open()
    await list.search(env.keyword)
    const row = list.row(env.ledgerNo)
    await row.waitFor({ state: 'visible' })
    const rowText = await row.innerText()
    assert.match(rowText, /待化解|化解中/, `the item is not open: ${rowText}`)
    const totals = await list.totalsText()
    assert.match(totals, /件数\s*\d+\s*件.*未清偿合计\s*¥/, `no totals row: ${totals}`)
    // 我负责的 is a server filter (mine=true), over every page: the operator's item is in it, with
    // its responsible unit and person and its 周进展 state in the row.
    const query = await list.applyView('mine')
    assert.equal(query.get('mine'), 'true', `the view did not ask the server: ${query}`)
    const mine = list.row(env.ledgerNo)
    await mine.waitFor({ state: 'visible' })
    const mineText = await mine.innerText()
    assert.match(mineText, /本周已更新|本周待填报|尚无周进展|周未更新/, `no weekly-update state: ${mineText}`)
    assert.doesNotMatch(mineText, /未指定/, `no responsible person: ${mineText}`)
    assert.match(await list.totalText(), /^共 \d[\d,]*\+? 条$/)
    await noToasts(page)
    await page.screenshot({ path: `${ARTIFACTS}ledger-list.png` })

    step = 'item'
    await list.openItem(env.ledgerNo)
    const item = new ItemPage(page)
    await item.waitFor(env.ledgerNo)
    const outstanding = await item.outstandingAmount()
    assert.match(outstanding, /^\d+\.\d{2}$/, `cannot read the outstanding amount: ${outstanding}`)
    assert.notEqual(outstanding, '0.00', 'the item owes nothing: it cannot be repaid')

    step = 'weekly-update'
    await item.fileWeeklyUpdate({
      progress: '已与债权企业核对账目，财政资金已拨付到位，本周全额支付。',
      paid: outstanding,
      nextStep: '上传银行回单，报专班核实后销账。',
    })

    step = 'repayment'
    await item.reportRepayment({ amount: outstanding, method: 'bank_transfer', files: [env.evidencePdf] })
    const reported = item.repaymentRows().filter({ hasText: '待核实' })
    await reported.first().waitFor({ state: 'visible' })
    assert.match(await reported.first().innerText(), /1 份/, 'the repayment has no evidence attached')
    await page.getByTestId('repayments-table').locator('.el-loading-mask').last().waitFor({ state: 'hidden' }) // two while one load follows another
    await noToasts(page)
    await scrollTop(page)
    await page.screenshot({ path: `${ARTIFACTS}item.png` })

    step = 'operator-logout'
    await item.logout()

    // ---------------------------------------------------------------- the office
    step = 'office-login'
    await login(page, env.officeUser, env.officePassword)

    step = 'verification'
    const queue = new VerificationPage(page)
    await queue.open()
    await queue.verifyButton(env.ledgerNo).first().waitFor({ state: 'visible' })
    // The server's queue row: the amount as ¥, the method, one evidence file, the reporter.
    const pending = await queue.pendingRow(env.ledgerNo).innerText()
    assert.match(pending, new RegExp(`¥${Number(outstanding).toLocaleString('en-US', { minimumFractionDigits: 2 })}`), `amount missing: ${pending}`)
    assert.match(pending, /银行转账/, `method missing: ${pending}`)
    assert.match(pending, /1 份/, `evidence count missing: ${pending}`)
    assert.match(pending, /待核实/, `status missing: ${pending}`)
    assert.match(await queue.countTitle(), /还款核实（\d[\d,]*\+?）/)
    await noToasts(page)
    await page.screenshot({ path: `${ARTIFACTS}verification.png` })

    // Writing off before verifying is refused, and the item page lists every reason.
    step = 'write-off-refused'
    await queue.openPendingItem(env.ledgerNo)
    const early = new ItemPage(page)
    await early.waitFor(env.ledgerNo)
    const reasons = await early.writeOff()
    assert.ok(reasons, 'the write-off of an item with a pending repayment was not refused')
    assert.match(reasons, /未清偿金额不为零/, `no outstanding reason: ${reasons}`)
    assert.match(reasons, /还款待核实/, `no pending-repayment reason: ${reasons}`)
    await noToasts(page)
    await scrollTop(page)
    await page.screenshot({ path: `${ARTIFACTS}write-off-refused.png` })

    step = 'verification'
    await queue.open()
    await queue.verify(env.ledgerNo)
    await queue.writeOffRow(env.ledgerNo).waitFor({ state: 'visible', timeout: 15_000 })

    step = 'write-off'
    await queue.openItemToWriteOff(env.ledgerNo)
    const office = new ItemPage(page)
    await office.waitFor(env.ledgerNo)
    assert.equal(await office.outstandingAmount(), '0.00', 'the verified repayment did not clear the item')
    const refusal = await office.writeOff()
    assert.equal(refusal, null, `write-off refused: ${refusal}`)
    assert.equal(await office.statusText(), '已销账')
    await noToasts(page)
    await scrollTop(page)
    await page.screenshot({ path: `${ARTIFACTS}written-off.png` })

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
