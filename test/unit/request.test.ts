import { HttpError } from '../../functions/http/errors';
import { readCookie, refreshTokenCookie } from '../../functions/http/cookies';
import { bearerToken, bodyText, parseLoginForm } from '../../functions/http/request';
import type { HttpEvent } from '../../functions/http/types';

const event = (over: Partial<HttpEvent>): HttpEvent => ({ headers: {}, ...over }) as HttpEvent;
const failure = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e instanceof HttpError ? { status: e.status, detail: e.detail } : e;
  }
  return 'no error';
};

describe('request parsing', () => {
  test('decodes a base64 form body as API Gateway sends it', () => {
    const body = Buffer.from('username=johndoe&password=s%26cret%3D').toString('base64');
    const form = parseLoginForm(
      event({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, isBase64Encoded: true }),
    );
    expect(form).toEqual({ username: 'johndoe', password: 's&cret=' });
  });

  test('applies the 16 KiB limit to the decoded body', () => {
    const body = Buffer.alloc(16 * 1024, 'a').toString('base64');
    expect(bodyText(event({ body, isBase64Encoded: true }))).toHaveLength(16 * 1024);
    const over = Buffer.alloc(16 * 1024 + 1, 'a').toString('base64');
    expect(failure(() => bodyText(event({ body: over, isBase64Encoded: true })))).toMatchObject({ status: 413 });
  });

  test('treats a missing content type with an empty body as a form with missing fields, and with a body as 415', () => {
    expect(failure(() => parseLoginForm(event({})))).toMatchObject({ status: 422 });
    expect(failure(() => parseLoginForm(event({ body: 'username=a&password=b' })))).toMatchObject({ status: 415 });
  });

  test('counts username length in characters, not UTF-16 units', () => {
    const ok = '😀'.repeat(128);
    expect(
      parseLoginForm(
        event({
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: ok, password: 'p' }),
        }),
      ).username,
    ).toBe(ok);
  });

  test('bearerToken follows OAuth2PasswordBearer: scheme case-insensitive, anything else is no token', () => {
    expect(bearerToken(event({ headers: { authorization: 'Bearer abc.def.ghi' } }))).toBe('abc.def.ghi');
    expect(bearerToken(event({ headers: { authorization: 'bearer abc' } }))).toBe('abc');
    expect(bearerToken(event({ headers: { authorization: 'Basic abc' } }))).toBeUndefined();
    expect(bearerToken(event({ headers: { authorization: 'Bearer a b' } }))).toBeUndefined();
    expect(bearerToken(event({ headers: { Authorization: 'Bearer xyz' } }))).toBe('xyz');
    expect(bearerToken(event({}))).toBeUndefined();
  });

  test('a request carrying the refresh cookie twice is refused, however the cookies are folded', () => {
    const cookie = { name: 'refresh_token', secure: true, path: '/auth', sameSite: 'Lax' as const };
    for (const cookies of [
      ['refresh_token=a', 'refresh_token=b'],
      ['refresh_token=a; refresh_token=b'],
      ['x=1; refresh_token=a', ' refresh_token=b'],
    ])
      expect(() => refreshTokenCookie(event({ cookies }), cookie)).toThrow(
        expect.objectContaining({ code: 'invalid_refresh_token' }),
      );
    expect(
      refreshTokenCookie(event({ cookies: ['refresh_token=a', 'xrefresh_token=b', 'refresh_token_old=c'] }), cookie),
    ).toBe('a');
    expect(refreshTokenCookie(event({}), cookie)).toBeUndefined();
    // With the __Host- prefix, only that name is the refresh cookie: a plain one tossed beside it is ignored.
    const prefixed = { ...cookie, name: '__Host-refresh_token', path: '/' };
    expect(
      refreshTokenCookie(event({ cookies: ['refresh_token=tossed', '__Host-refresh_token=ours'] }), prefixed),
    ).toBe('ours');
    expect(refreshTokenCookie(event({ cookies: ['refresh_token=tossed'] }), prefixed)).toBeUndefined();
  });

  test('readCookie finds the refresh token among other cookies and ignores look-alikes', () => {
    expect(readCookie(event({ cookies: ['a=1', 'refresh_token=tok', 'b=2'] }), 'refresh_token')).toBe('tok');
    expect(readCookie(event({ cookies: ['a=1; refresh_token=tok2'] }), 'refresh_token')).toBe('tok2');
    expect(
      readCookie(event({ cookies: ['xrefresh_token=bad', 'refresh_token_old=bad'] }), 'refresh_token'),
    ).toBeUndefined();
    expect(readCookie(event({ cookies: ['refresh_token='] }), 'refresh_token')).toBeUndefined();
    expect(readCookie(event({}), 'refresh_token')).toBeUndefined();
  });
});
