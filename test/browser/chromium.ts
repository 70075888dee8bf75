import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import puppeteer, { type Browser, type CDPSession, type Page } from 'puppeteer-core';
import type { LocalApi } from '../../dev/local';

/** Debian's chromium (apt-get install -y chromium), or CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** A free port on loopback. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * `npm start`'s dev server on free loopback ports, for a front end at `frontUrl` (its one allowed
 * origin): the handlers read this environment when they load, so it is set before the import. Quiet:
 * audit and metric lines would bury the test report.
 */
export async function startDevApi(frontUrl: string): Promise<{ api: LocalApi; apiUrl: string }> {
  const [apiPort, storePort] = await Promise.all([freePort(), freePort()]);
  const apiUrl = `http://localhost:${apiPort}`;
  Object.assign(process.env, {
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    STORE_PORT: String(storePort),
    TOKEN_ISSUER: apiUrl,
    ALLOWED_ORIGINS: frontUrl,
    BCRYPT_COST: '4',
    POWERTOOLS_LOG_LEVEL: 'WARN',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  const { startLocal } = await import('../../dev/local');
  return { api: await startLocal(process.env), apiUrl };
}

/** Headless Debian chromium (apt-get install -y chromium), or CHROMIUM_PATH. */
export function launchChromium(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `no browser at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  return puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

/**
 * A platform authenticator of Chromium's DevTools Protocol for this tab (CTAP2, internal, resident
 * keys, presence answered at once), which can verify its user or not (a security key without a PIN).
 */
export async function addVirtualAuthenticator(
  page: Page,
  userVerification = true,
): Promise<{ cdp: CDPSession; id: string }> {
  const cdp = await page.createCDPSession();
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: userVerification,
      isUserVerified: userVerification,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, id: authenticatorId };
}
