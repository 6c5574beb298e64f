/**
 * The small server-rendered pages of the login host: login, "Allow Access?", the device connect page and
 * the success page. Every dynamic value is escaped. Element ids are stable so that browser tests can
 * drive them: #username, #password, #Login, #error, #oaapprove, #oadeny, #user_code, #connect.
 */

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem}
label,input,button{display:block;width:100%;margin:.4rem 0}button{padding:.5rem}
#error{color:#b00}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>`
}

function hidden(fields: Readonly<Record<string, string>>): string {
  return Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('\n')
}

/** The Salesforce login form; it posts to /login and continues at `startUrl` (a path on this host). */
export function loginPage(input: { startUrl: string; username?: string; error?: string }): string {
  const error = input.error ? `<p id="error" role="alert">${escapeHtml(input.error)}</p>` : ''
  return page(
    'Login | Salesforce',
    `${error}<form id="login_form" method="POST" action="/login">
<label for="username">Username</label>
<input id="username" name="username" type="email" autocomplete="username" value="${escapeHtml(input.username ?? '')}">
<label for="password">Password</label>
<input id="password" name="pw" type="password" autocomplete="current-password">
${hidden({ startURL: input.startUrl })}
<button id="Login" type="submit">Log In</button>
</form>`,
  )
}

/** "Allow Access?" for an app; the form posts `action=approve|deny` plus `fields` to `action`. */
export function approvalPage(input: {
  appName: string
  username: string
  scopes: readonly string[]
  action: string
  fields: Readonly<Record<string, string>>
}): string {
  const scopes = input.scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join('')
  return page(
    'Allow Access?',
    `<p><strong id="app_name">${escapeHtml(input.appName)}</strong> is asking to access data of
<span id="login_user">${escapeHtml(input.username)}</span>.</p>
<ul id="scopes">${scopes}</ul>
<form method="POST" action="${escapeHtml(input.action)}">
${hidden(input.fields)}
<button id="oaapprove" name="action" value="approve" type="submit">Allow</button>
<button id="oadeny" name="action" value="deny" type="submit">Deny</button>
</form>`,
  )
}

/** The device verification page (verification_uri) where the user types the code shown by the device. */
export function connectPage(input: { error?: string; userCode?: string }): string {
  const error = input.error ? `<p id="error" role="alert">${escapeHtml(input.error)}</p>` : ''
  return page(
    'Connect Your Device',
    `${error}<form method="POST" action="/setup/connect">
<label for="user_code">Enter the code displayed on your device</label>
<input id="user_code" name="user_code" autocomplete="off" value="${escapeHtml(input.userCode ?? '')}">
<button id="connect" type="submit">Connect</button>
</form>`,
  )
}

/** A page with one message, e.g. after a device was connected or access was denied. */
export function messagePage(title: string, message: string): string {
  return page(title, `<p id="message">${escapeHtml(message)}</p>`)
}
