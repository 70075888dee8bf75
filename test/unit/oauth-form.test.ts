import fc from 'fast-check';
import { OAuthError, oauthErrorResponse, parseOAuthForm } from '../../functions/http/oauth';
import type { HttpEvent } from '../../functions/http/types';

// The OAuth endpoints' form (docs/http-contract.md "OAuth 2.0 endpoints"): each parameter at most
// once, and an error_description that never echoes the request (RFC 6749 §5.2's character set).

const formEvent = (body: string): HttpEvent =>
  ({
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
    isBase64Encoded: false,
  }) as unknown as HttpEvent;
const refusal = (body: string) => {
  try {
    parseOAuthForm(formEvent(body));
    return undefined;
  } catch (err) {
    return JSON.parse(String(oauthErrorResponse(err).body)) as { error: string; error_description: string };
  }
};
const RFC_6749 = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

describe('the OAuth form', () => {
  test('an empty copy of a parameter counts as a repeat', () => {
    expect(refusal('grant_type=&grant_type=password&username=u&password=p')).toEqual({
      error: 'invalid_request',
      error_description: 'parameter grant_type is repeated',
    });
    expect(refusal('grant_type=password&grant_type=')).toMatchObject({ error: 'invalid_request' });
    expect(refusal('grant_type=password&username=u&password=p')).toBeUndefined();
  });

  test('a repeated unknown parameter is refused without naming it: no quote, backslash, bidi or markup', () => {
    const name = encodeURIComponent('x"\\\u202e<b>');
    const answer = refusal(`${name}=1&${name}=2`)!;
    expect(answer).toEqual({ error: 'invalid_request', error_description: 'a parameter is repeated' });
  });

  test('whatever the body, an error_description stays in RFC 6749 §5.2 and repeats no parameter name', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 6 }), (pairs) => {
        const body = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
        const answer = refusal(`${body}&${body}`);
        if (!answer) return;
        expect(answer.error_description).toMatch(RFC_6749);
        for (const [k] of pairs)
          if (k.length > 3 && !/^[a-z_]+$/.test(k)) expect(answer.error_description).not.toContain(k);
      }),
      { numRuns: 300 },
    );
  });

  test('even a description of ours outside the character set is made safe before it is sent', () => {
    const body = JSON.parse(String(oauthErrorResponse(new OAuthError(400, 'invalid_request', 'a "b" \\ c é')).body));
    expect(body.error_description).toMatch(RFC_6749);
  });
});
