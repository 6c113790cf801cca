import { AppShell, confirmMessageBox } from './AppShell.mjs'

/** 明细详情 (/ledger/items/:id): header, tabs and their forms. */
export class ItemPage extends AppShell {
  /** @param {import('playwright-core').Page} page */
  constructor(page) {
    super(page)
    this.root = page.getByTestId('item-page')
    this.header = page.getByTestId('item-header')
    this.ledgerNo = page.getByTestId('item-ledger-no')
    this.status = this.header.getByTestId('item-status')
    this.outstanding = page.getByTestId('item-outstanding')
    this.writeOffButton = page.getByTestId('item-write-off')
    this.refusal = page.getByTestId('write-off-refusal')
  }

  async waitFor(ledgerNo) {
    await this.root.waitFor({ state: 'visible' })
    await this.header.waitFor({ state: 'visible' })
    if (ledgerNo) await this.page.waitForFunction(
      (no) => document.querySelector('[data-testid="item-ledger-no"]')?.textContent?.trim() === no,
      ledgerNo,
    )
  }

  /** 'written_off', 'resolving'… from the header's status tag. */
  async statusCode() {
    return this.status.getAttribute('data-status')
  }

  async statusText() {
    return (await this.status.innerText()).trim()
  }

  /** The outstanding amount as a decimal string: '¥50,000.00' → '50000.00'. */
  async outstandingAmount() {
    return (await this.outstanding.innerText()).replace(/[¥,\s]/g, '')
  }

  /** @param {'基本信息'|'还款计划'|'还款记录'|'佐证材料'|'周进展'|'督办'|'预警'|'时间线'} label */
  async openTab(label) {
    await this.page.getByTestId('item-tabs').getByRole('tab', { name: label, exact: true }).click()
  }

  /** 周进展: files this week's update. */
  async fileWeeklyUpdate({ progress, paid, nextStep }) {
    await this.openTab('周进展')
    const form = this.page.getByTestId('weekly-form')
    await form.waitFor({ state: 'visible' })
    await form.getByTestId('weekly-progress').fill(progress)
    const paidInput = form.getByTestId('weekly-paid')
    await paidInput.fill(paid)
    await paidInput.blur()
    await form.getByTestId('weekly-next-step').fill(nextStep)
    await form.getByTestId('weekly-submit').click()
    await this.page.getByTestId('weekly-done').waitFor({ state: 'visible', timeout: 15_000 })
  }

  /** 还款记录 › 登记还款 with evidence files, in one dialog. */
  async reportRepayment({ amount, method = 'bank_transfer', files = [] }) {
    await this.openTab('还款记录')
    await this.page.getByTestId('repayment-report').click()
    const dialog = this.page.getByTestId('repayment-dialog')
    await dialog.waitFor({ state: 'visible' })
    const amountInput = dialog.getByTestId('repayment-amount')
    await amountInput.fill(amount)
    await amountInput.blur()
    await dialog.getByTestId(`repayment-method-${method}`).click()
    if (files.length) {
      await dialog.locator('input[type=file]').setInputFiles(files)
      await dialog.getByTestId('evidence-files').locator('li').nth(files.length - 1).waitFor({ state: 'visible' })
    }
    await dialog.getByTestId('repayment-submit').click()
    if (!files.length) await confirmMessageBox(this.page)
    await dialog.waitFor({ state: 'hidden', timeout: 20_000 })
  }

  repaymentRows() {
    return this.page.getByTestId('repayments-table').locator('.el-table__body tr')
  }

  /** 核实 the first repayment waiting for verification (office). */
  async verifyFirstPending() {
    await this.openTab('还款记录')
    await this.page.getByTestId('repayment-verify').first().click()
    await confirmMessageBox(this.page, 5_000)
  }

  /** 销账; returns the refusal shown, or null when the item was written off. */
  async writeOff() {
    await this.writeOffButton.click()
    await confirmMessageBox(this.page, 5_000)
    const done = this.page
      .waitForFunction(() => document.querySelector('[data-testid="item-header"] [data-testid="item-status"]')?.getAttribute('data-status') === 'written_off', null, { timeout: 15_000 })
      .then(() => null)
    const refused = this.refusal.waitFor({ state: 'visible', timeout: 15_000 }).then(() => this.refusal.innerText())
    return Promise.race([done, refused])
  }
}
