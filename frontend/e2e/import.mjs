// Excel import through the wizard, in Chromium, against the built SPA served by the Python process:
//
//   BASE_URL=http://127.0.0.1:8000 QQ_USER=office01 QQ_PASSWORD=... \
//   QQ_BAD_FILE=/path/台账-有错.xlsx QQ_GOOD_FILE=/path/台账-已改.xlsx node --test e2e/import.mjs
//
// The user opens 导入 from the ledger list, uploads a file with an error, sees the dry run with
// the faulty cell highlighted (screenshot import-dry-run.png), uploads the corrected file, sees
// it clean, confirms, and waits for the result (screenshot import-done.png). Both files are built
// by the Python test (tests/transfer/test_browser_import.py).
import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { launchBrowser } from './browser.mjs'
import { AppShell } from './pages/AppShell.mjs'
import { LoginPage } from './pages/LoginPage.mjs'

const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url))

function required(name) {
  const value = process.env[name]
  if (!value) throw new Error(`environment variable ${name} is required`)
  return value
}

const env = {
  baseUrl: process.env.BASE_URL ?? 'http://127.0.0.1:8000',
  user: required('QQ_USER'),
  password: required('QQ_PASSWORD'),
  badFile: required('QQ_BAD_FILE'),
  goodFile: required('QQ_GOOD_FILE'),
}

let browser

before(async () => {
  await mkdir(ARTIFACTS, { recursive: true })
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
})

async function upload(page, file) {
  await page.getByTestId('import-upload').locator('input[type=file]').setInputFiles(file)
  await page.getByTestId('import-counts').waitFor({ state: 'visible', timeout: 60_000 })
}

test(`import through the wizard at ${env.baseUrl}`, async () => {
  const context = await browser.newContext({ viewport: { width: 1500, height: 1000 }, locale: 'zh-CN' })
  const page = await context.newPage()
  const pageErrors = []
  page.on('pageerror', (err) => pageErrors.push(err.message))
  let step = 'login'
  try {
    const login = new LoginPage(page)
    await login.goto(env.baseUrl)
    assert.equal(await login.login(env.user, env.password), null)
    await new AppShell(page).waitForMenu()

    step = 'open'
    await page.goto(new URL('/ledger', env.baseUrl).href)
    await page.getByTestId('import-open').click()
    await page.getByTestId('import-wizard').waitFor({ state: 'visible' })

    step = 'dry-run-with-error'
    await upload(page, env.badFile)
    const counts = await page.getByTestId('import-counts').innerText()
    assert.match(counts, /有错误 1/, `the error row is not counted: ${counts}`)
    const bad = page.getByTestId('cell-error').first()
    await bad.waitFor({ state: 'visible' })
    assert.match(await bad.innerText(), /拖欠主体统一社会信用代码/)
    const rowsText = await page.getByTestId('import-rows').innerText()
    assert.match(rowsText, /C列 拖欠主体统一社会信用代码：统一社会信用代码/, rowsText)
    assert.equal(await page.getByTestId('import-confirm').isDisabled(), true, 'a file with errors cannot be confirmed whole')
    await page.screenshot({ path: `${ARTIFACTS}import-dry-run.png` })

    step = 'fixed-file'
    await page.getByTestId('import-restart').click()
    await upload(page, env.goodFile)
    const fixed = await page.getByTestId('import-counts').innerText()
    assert.match(fixed, /新增 3/, fixed)
    assert.match(fixed, /有错误 0/, fixed)

    step = 'confirm'
    await page.getByTestId('import-confirm').click()
    await page.getByTestId('import-done').waitFor({ state: 'visible', timeout: 60_000 })
    assert.match(await page.getByTestId('import-done').innerText(), /新增 3 条/)
    await page.screenshot({ path: `${ARTIFACTS}import-done.png` })
    assert.deepEqual(pageErrors, [])
    await writeFile(`${ARTIFACTS}import-result.json`, JSON.stringify({ ok: true }))
  } catch (err) {
    await page.screenshot({ path: `${ARTIFACTS}import-${step}-failure.png` }).catch(() => {})
    throw err
  } finally {
    await context.close()
  }
})
