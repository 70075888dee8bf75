import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { entryFile, matchRoute, otherFunctions, routes } from '../../functions/routes';

describe('route table', () => {
  test('every row points at a handler file, and method+path pairs are unique', () => {
    for (const handler of [...routes.map((r) => r.handler), ...Object.values(otherFunctions)])
      expect([handler, existsSync(join(__dirname, '../..', entryFile(handler)))]).toEqual([handler, true]);
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test('every function has a name of its own (its construct id is made from it)', () => {
    const names = [...routes.map((r) => r.name), ...Object.keys(otherFunctions)];
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
  });

  test('matches exact paths, tells known paths from unknown ones, and survives bad encodings', () => {
    expect(matchRoute('POST', '/auth/token').route?.name).toBe('token');
    expect(matchRoute('get', '/users/me').route?.name).toBe('me');
    expect(matchRoute('GET', '/auth/token')).toEqual({ params: {}, pathKnown: true });
    expect(matchRoute('GET', '/auth/tokens')).toEqual({ params: {}, pathKnown: false });
    expect(matchRoute('GET', '/%E0%A4%A')).toEqual({ params: {}, pathKnown: false });
  });
});
