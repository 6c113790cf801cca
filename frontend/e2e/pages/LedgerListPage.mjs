import { AppShell } from './AppShell.mjs'

/** 台账 › 台账明细 (/ledger). */
export class LedgerListPage extends AppShell {
  /** @param {import('playwright-core').Page} page */
  constructor(page) {
    super(page)
    this.root = page.getByTestId('ledger-page')
    this.table = page.getByTestId('ledger-table')
    this.keyword = page.getByTestId('ledger-filter-q')
    this.totals = page.getByTestId('ledger-totals')
  }

  async open() {
    await this.navigate('台账', '台账明细')
    await this.page.waitForURL((url) => url.pathname === '/ledger')
    await this.root.waitFor({ state: 'visible' })
    await this.waitForLoaded()
  }

  /** Waits until the table's loading mask is gone. */
  async waitForLoaded() {
    await this.table.locator('.el-loading-mask').waitFor({ state: 'hidden' })
  }

  /** Types into 关键词 and searches (server-side: debtor, creditor, contract, or a ledger number). */
  async search(keyword) {
    await this.keyword.fill(keyword)
    const answered = this.page.waitForResponse((r) => new URL(r.url()).pathname === '/api/ledger/items' && r.request().method() === 'GET')
    await this.keyword.press('Enter')
    await answered
    await this.waitForLoaded()
  }

  /**
   * Picks a built-in view from 视图 (a server filter: mine, key_case, no_update_weeks…) and waits
   * for the list to answer.
   * @param {'mine' | 'todo' | 'weekMissing' | 'overdue' | 'keyCases'} key
   */
  async applyView(key) {
    await this.page.getByTestId('view-select').click()
    const option = this.page.getByTestId(`view-${key}`)
    await option.waitFor({ state: 'visible' })
    const answered = this.page.waitForResponse((r) => new URL(r.url()).pathname === '/api/ledger/items' && r.request().method() === 'GET')
    await option.click()
    const response = await answered
    await this.waitForLoaded()
    return new URL(response.url()).searchParams
  }

  /** "共 N 条" under the table. */
  async totalText() {
    return (await this.page.getByTestId('ledger-pagination').getByTestId('pager-total').innerText()).trim()
  }

  /** The link of an item in the table. */
  itemLink(ledgerNo) {
    return this.table.getByTestId(`item-link-${ledgerNo}`)
  }

  /** The item's row (the main body; a fixed column renders a second copy of each row). */
  row(ledgerNo) {
    return this.table
      .locator('.el-table__body-wrapper .el-table__body tr', { has: this.page.getByTestId(`item-link-${ledgerNo}`) })
      .first()
  }

  async totalsText() {
    return (await this.totals.innerText()).replace(/\s+/g, ' ').trim()
  }

  async openItem(ledgerNo) {
    await this.itemLink(ledgerNo).first().click()
    await this.page.waitForURL((url) => url.pathname.startsWith('/ledger/items/'))
  }
}
