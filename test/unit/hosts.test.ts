import { hostAllowed } from '../../dev/hosts';

describe("the dev server's Host check", () => {
  test('loopback names and the configured host pass; anything else, or no Host, does not', () => {
    for (const host of ['127.0.0.1:8000', 'localhost', 'LOCALHOST:8000', '[::1]:8000', 'app.localhost', '127.1.2.3'])
      expect([host, hostAllowed(host, undefined)]).toEqual([host, true]);
    for (const host of [undefined, '', 'evil.example', 'localhost.evil.example', '127.0.0.1.nip.io', '10.0.0.1:8000'])
      expect([host, hostAllowed(host, undefined)]).toEqual([host, false]);
    expect(hostAllowed('devbox.lan:8000', 'devbox.lan')).toBe(true);
    expect(hostAllowed('anything:8000', '0.0.0.0')).toBe(false);
  });
});
