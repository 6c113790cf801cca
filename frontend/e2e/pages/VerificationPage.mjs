import { AppShell, confirmMessageBox } from './AppShell.mjs'

/** 台账 › 核实队列 (/ledger/verification, office). */
export class VerificationPage extends AppShell {
  /** @param {import('playwright-core').Page} page */
  constructor(page) {
    super(page)
    this.root = page.getByTestId('verification-page')
    this.pending = page.getByTestId('pending-table')
    this.writeOffs = page.getByTestId('write-off-table')
  }

  async open() {
    await this.navigate('台账', '核实队列')
    await this.page.waitForURL((url) => url.pathname === '/ledger/verification')
    await this.root.waitFor({ state: 'visible' })
    await this.waitForLoaded()
  }

  async waitForLoaded() {
    await this.pending.locator('.el-loading-mask').waitFor({ state: 'hidden', timeout: 30_000 })
  }

  /** The title of the repayments card, with the count: 还款核实（3）. */
  async countTitle() {
    return this.page.getByTestId('queue-title').innerText()
  }

  /** The (first) row of the item's repayment in the queue. */
  pendingRow(ledgerNo) {
    return this.pending.locator('.el-table__body tr', { hasText: ledgerNo }).first()
  }

  /** Opens the item of a pending repayment (its repayments tab). */
  async openPendingItem(ledgerNo) {
    await this.pendingRow(ledgerNo).getByRole('link', { name: ledgerNo }).click()
    await this.page.waitForURL((url) => url.pathname.startsWith('/ledger/items/'))
  }

  verifyButton(ledgerNo) {
    return this.pending.getByTestId(`queue-verify-${ledgerNo}`)
  }

  /** 核实 the item's pending repayment from the queue (first one if several). */
  async verify(ledgerNo) {
    await this.verifyButton(ledgerNo).first().click()
    await confirmMessageBox(this.page, 5_000)
    await this.page.locator('.el-message--success').first().waitFor({ state: 'visible', timeout: 15_000 })
    await this.waitForLoaded()
  }

  /** The item's row in 待销账. */
  writeOffRow(ledgerNo) {
    return this.writeOffs.locator('.el-table__body tr', { hasText: ledgerNo })
  }

  async openItemToWriteOff(ledgerNo) {
    await this.writeOffRow(ledgerNo).getByRole('link', { name: ledgerNo }).click()
    await this.page.waitForURL((url) => url.pathname.startsWith('/ledger/items/'))
  }
}
