/** 登录 (/login). */
export class LoginPage {
  /** @param {import('playwright-core').Page} page */
  constructor(page) {
    this.page = page
    this.form = page.getByTestId('login-form')
    this.title = page.getByTestId('login-title')
    this.username = page.getByTestId('login-username')
    this.password = page.getByTestId('login-password')
    this.submit = page.getByTestId('login-submit')
    this.error = page.getByTestId('login-error')
  }

  /** @param {string} baseUrl */
  async goto(baseUrl) {
    await this.page.goto(new URL('/login', baseUrl).href)
    await this.waitFor()
  }

  async waitFor() {
    await this.form.waitFor({ state: 'visible' })
  }

  async isShown() {
    return this.form.isVisible()
  }

  /**
   * Submits the form and waits until the app leaves /login (or shows an error).
   * @returns {Promise<string|null>} the error shown, or null when the login went through
   */
  async login(username, password) {
    await this.username.fill(username)
    await this.password.fill(password)
    await this.submit.click()
    const left = this.page.waitForURL((url) => url.pathname !== '/login', { timeout: 15_000 }).then(() => null)
    const refused = this.error.waitFor({ state: 'visible', timeout: 15_000 }).then(() => this.error.innerText())
    return Promise.race([left, refused])
  }
}
