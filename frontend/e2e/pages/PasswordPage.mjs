/** 修改密码 (/password): forced after a one-time password. */
export class PasswordPage {
  /** @param {import('playwright-core').Page} page */
  constructor(page) {
    this.page = page
    this.card = page.getByTestId('password-card')
    this.forcedNotice = page.getByTestId('password-forced')
    this.policy = page.getByTestId('password-policy')
    this.oldPassword = page.getByTestId('password-old')
    this.newPassword = page.getByTestId('password-new')
    this.confirm = page.getByTestId('password-confirm')
    this.submit = page.getByTestId('password-submit')
  }

  async waitFor() {
    await this.page.waitForURL((url) => url.pathname === '/password')
    await this.card.waitFor({ state: 'visible' })
  }

  /** The field errors shown under the inputs (client-side rules or the server's 422). */
  async fieldErrors() {
    return (await this.card.locator('.el-form-item__error').allInnerTexts()).map((s) => s.trim())
  }

  /** Changes the password and waits until the app leaves /password; throws with the form's errors if refused. */
  async change(oldPassword, newPassword) {
    await this.oldPassword.fill(oldPassword)
    await this.newPassword.fill(newPassword)
    await this.confirm.fill(newPassword)
    await this.submit.click()
    const errors = this.card.locator('.el-form-item__error').first()
    const outcome = await Promise.race([
      this.page.waitForURL((url) => url.pathname !== '/password', { timeout: 15_000 }).then(() => 'done'),
      errors.waitFor({ state: 'visible', timeout: 15_000 }).then(() => 'refused'),
    ])
    if (outcome === 'refused') throw new Error(`password change refused: ${(await this.fieldErrors()).join('；')}`)
  }
}
