// What of an environment variable's value may be printed back in a configuration error. A value that can hold a
// secret is never echoed whole: secret-named variables (TOKEN, SECRET, KEY, PASSWORD) not at all, URLs without
// their user info and query values, and a URL that does not parse (it may be a pasted token) only by its length.

const SECRET_NAME = /TOKEN|SECRET|KEY|PASSWORD|PASSWD|CREDENTIAL/i;

/** True when a variable's name says it holds a credential (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, ...). */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * The value of variable `name` as it may appear in a message:
 * - secret-named: "[hidden, N characters]";
 * - a URL (WHATWG URL): user info replaced by "***", every query value by "***", the fragment dropped;
 * - for a variable whose name ends in URL but whose value does not parse: "[not a URL, N characters, not shown]";
 * - anything else: as given.
 */
export function redactValue(name: string, value: string): string {
  if (isSecretName(name)) return `[hidden, ${value.length} characters]`;
  const looksLikeUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
  if (looksLikeUrl && URL.canParse(value)) return redactUrl(value);
  if (/URL$/i.test(name) || looksLikeUrl) return `[not a URL, ${value.length} characters, not shown]`;
  return value;
}

/** A parseable URL with user info and query values replaced by "***" and no fragment. */
export function redactUrl(value: string): string {
  const url = new URL(value);
  const auth = url.username || url.password ? '***@' : '';
  const query = [...url.searchParams.keys()].map((key) => `${encodeURIComponent(key)}=***`).join('&');
  return `${url.protocol}//${auth}${url.host}${url.pathname}${query ? `?${query}` : ''}`;
}
