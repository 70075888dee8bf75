/**
 * DNS rebinding defence of the dev server: a page on a domain that an attacker points at 127.0.0.1
 * sends that domain as Host, and would otherwise read `/_dev/outbox` (every reset and verification
 * link) and pass the login's Origin check as "the API's own origin". The dev server answers only
 * requests addressed to a loopback name, or to the host it was told to listen on (HOST).
 */
export function hostAllowed(hostHeader: string | undefined, configuredHost: string | undefined): boolean {
  if (!hostHeader) return false;
  const name = hostHeader
    .trim()
    .toLowerCase()
    .replace(/:\d+$/, '')
    .replace(/^\[(.*)\]$/, '$1');
  if (name === 'localhost' || name.endsWith('.localhost') || name === '::1') return true;
  if (/^127(\.\d{1,3}){3}$/.test(name)) return true;
  const configured = configuredHost?.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return configured !== undefined && !['0.0.0.0', '::', ''].includes(configured) && name === configured;
}
