// The studio's two HTML documents: the app shell (the script in client/app.ts fills it from the JSON API) and the
// login form. Server-side text is escaped; the rest of the page is built by the script with textContent.
import { createHash } from 'node:crypto';

const STYLE = `
:root { color-scheme: light dark; --accent: #7a4fd6; --line: #8884; --card: #8881; font-family: system-ui, sans-serif; }
body { margin: 0; line-height: 1.4; }
header { display: flex; gap: 1rem; align-items: center; padding: .6rem 1rem; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
header h1 { font-size: 1.2rem; margin: 0 1rem 0 0; }
nav a { margin-right: .8rem; text-decoration: none; color: inherit; padding: .2rem .4rem; border-radius: .3rem; }
nav a.active { background: var(--accent); color: white; }
#who { margin-left: auto; font-size: .9rem; }
main { padding: 1rem; max-width: 90rem; margin: auto; }
section[hidden] { display: none; }
.paint-layout { display: grid; grid-template-columns: minmax(0, 3fr) minmax(16rem, 2fr); gap: 1.5rem; align-items: start; }
@media (max-width: 60rem) { .paint-layout { grid-template-columns: 1fr; } }
.row { display: grid; grid-template-columns: repeat(auto-fill, minmax(10rem, 1fr)); gap: .8rem; align-items: start; }
input[type=file] { max-width: 100%; }
.drop-wrap input[type=number] { width: 5rem; }
.drop { border: 2px dashed var(--line); border-radius: .5rem; padding: .5rem; font-size: .9rem; }
.drop.over { border-color: var(--accent); }
.drop img { max-width: 100%; max-height: 5rem; display: block; margin-top: .4rem; }
fieldset { border: 1px solid var(--line); border-radius: .5rem; margin: .8rem 0; }
label { display: block; margin: .3rem 0; }
label small, .help { color: #888; font-size: .8rem; }
input[type=number], input[type=text], select { width: 12rem; }
button { background: var(--accent); color: white; border: 0; border-radius: .3rem; padding: .4rem .8rem; cursor: pointer; margin: .2rem .3rem .2rem 0; }
button.secondary { background: #666; }
.message { padding: .5rem .8rem; border-radius: .3rem; margin: .5rem 0; white-space: pre-wrap; }
.message.error { background: #d3333322; border: 1px solid #d33; }
.message.ok { background: #3a3a; border: 1px solid #3a3; }
.card { border: 1px solid var(--line); background: var(--card); border-radius: .5rem; padding: .8rem; margin: .8rem 0; }
.card .status, .card .settings { white-space: pre-wrap; }
.card img { max-width: 100%; image-rendering: auto; border-radius: .3rem; }
.card img.preview, .card img.final { width: 256px; max-width: 100%; }
progress { width: 100%; height: 1rem; }
.works { display: flex; gap: .4rem; flex-wrap: wrap; }
.works figure { margin: 0; font-size: .75rem; text-align: center; width: 96px; }
.works img { width: 96px; height: 96px; object-fit: cover; border-radius: .3rem; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: .8rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
td, th { border-bottom: 1px solid var(--line); padding: .3rem; text-align: left; vertical-align: top; }
`;

/** The CSP source of the pages' one inline <style> (security-headers.ts allows exactly it, no other inline style). */
export const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The studio's single page; /app.js draws everything in it. */
export function appPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Stylebot Studio</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>🎨 Stylebot Studio</h1>
  <nav id="nav"></nav>
  <span id="who"></span>
</header>
<main id="app"><p>Loading…</p></main>
<script type="module" src="/app.js"></script>
</body>
</html>`;
}

/**
 * The login form. With a studio token (needsToken): one token field, for a user's own API token or the operator's
 * STYLEBOT_WEB_TOKEN. On loopback: an optional API token, or a name the person at the machine acts as.
 */
export function loginPage(options: { needsToken: boolean; user?: string; error?: string }): string {
  const error = options.error ? `<p class="message error" role="alert">${escapeHtml(options.error)}</p>` : '';
  const tokenHelp = options.needsToken
    ? 'Your own API token (an admin makes it for you), or the studio token if you are its operator.'
    : 'Optional: your own API token, to paint as yourself.';
  const token = `<label>Token <input type="password" name="token" autocomplete="current-password"${options.needsToken ? ' required autofocus' : ''}> <small>${escapeHtml(tokenHelp)}</small></label>`;
  const current = options.user ? `<p>You are <b>${escapeHtml(options.user)}</b> now.</p>` : '';
  const name = options.needsToken
    ? ''
    : `<label>Name <input type="text" name="name" pattern="[A-Za-z0-9][A-Za-z0-9_.\\-]{0,31}" maxlength="32"> <small>${escapeHtml(
        "Or, without a token: leave it empty to be the person at this machine (the studio's admin), or give a name to try the studio as an ordinary user with quotas.",
      )}</small></label>`;
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Stylebot Studio: log in</title><style>${STYLE}</style></head>
<body><main>
<h1>Stylebot Studio</h1>
${current}${error}
<form method="post" action="/login">
${token}
${name}
<button type="submit">Continue</button>
</form>
</main></body></html>`;
}
