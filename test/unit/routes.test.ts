import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fallbackHandler, matchRoute, routes } from '../../functions/routes';

describe('route table', () => {
  test('every row points at a handler file, and method+path pairs are unique', () => {
    for (const name of [...routes.map((r) => r.handler), fallbackHandler])
      expect(existsSync(join(__dirname, '../../functions', `${name}.ts`))).toBe(true);
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test('matches exact paths, tells known paths from unknown ones, and survives bad encodings', () => {
    expect(matchRoute('POST', '/auth/token').route?.handler).toBe('token');
    expect(matchRoute('get', '/users/me').route?.handler).toBe('me');
    expect(matchRoute('GET', '/auth/token')).toEqual({ params: {}, pathKnown: true });
    expect(matchRoute('GET', '/auth/tokens')).toEqual({ params: {}, pathKnown: false });
    expect(matchRoute('GET', '/%E0%A4%A')).toEqual({ params: {}, pathKnown: false });
  });
});
