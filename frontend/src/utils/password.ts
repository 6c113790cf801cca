// The password policy the backend enforces (MLPS 2.0 level 3), mirrored so the form can tick
// the rules off while the user types. The server remains the judge (its 422 is shown too).

export const MIN_PASSWORD_LENGTH = 8
const SPECIAL = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~ ]/

export type PasswordRule = 'length' | 'classes' | 'username' | 'different'

/** How many of lower case, upper case, digits, specials the password uses. */
export function characterClasses(password: string): number {
  return [/[a-z]/, /[A-Z]/, /[0-9]/, SPECIAL].filter((re) => re.test(password)).length
}

/** Each rule and whether the password meets it. */
export function checkPassword(
  password: string,
  context: { username?: string; oldPassword?: string } = {},
): Record<PasswordRule, boolean> {
  const username = context.username?.trim().toLowerCase() ?? ''
  return {
    length: password.length >= MIN_PASSWORD_LENGTH,
    classes: characterClasses(password) >= 3,
    username: !username || !password.toLowerCase().includes(username),
    different: !context.oldPassword || password !== context.oldPassword,
  }
}

export function meetsPolicy(password: string, context: { username?: string; oldPassword?: string } = {}): boolean {
  return Object.values(checkPassword(password, context)).every(Boolean)
}
