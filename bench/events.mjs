// The HTTP API payload-2.0 events the benchmark invokes each route's bundle with (bench/runner.mjs),
// as API Gateway builds them. Plain JavaScript: it is loaded by the cold-start runs.

/** An event for `method path`, with headers, cookies, a body (base64, as API Gateway sends forms) and a source IP. */
export function event(method, path, extra = {}) {
  const headers = {
    host: 'bench.local',
    'x-forwarded-proto': 'https',
    'user-agent': 'bench',
    ...(extra.headers ?? {}),
  };
  return {
    version: '2.0',
    routeKey: `${method} ${extra.route ?? path}`,
    rawPath: path,
    rawQueryString: extra.query ?? '',
    headers,
    ...(extra.cookies ? { cookies: extra.cookies } : {}),
    ...(extra.pathParameters ? { pathParameters: extra.pathParameters } : {}),
    requestContext: {
      accountId: 'bench',
      apiId: 'bench',
      domainName: 'bench.local',
      domainPrefix: 'bench',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: extra.ip ?? '198.51.100.1', userAgent: 'bench' },
      requestId: 'bench',
      routeKey: `${method} ${extra.route ?? path}`,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(extra.body !== undefined
      ? { body: Buffer.from(extra.body).toString('base64'), isBase64Encoded: true }
      : { isBase64Encoded: false }),
  };
}

/**
 * Whether an invocation did what the bench measures: a 2xx, or a hosted page's 303 to the client with
 * a code (a redirect carrying an error is a failure).
 */
export const succeeded = (result) =>
  result.statusCode < 300 ||
  (result.statusCode === 303 && /[?&]code=/.test(result.headers?.location ?? result.headers?.Location ?? ''));

export const loginEvent = (username, password, ip) =>
  event('POST', '/auth/token', {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }).toString(),
    ip,
  });

const oauthEvent = (fields) =>
  event('POST', '/oauth2/token', {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
const jsonEvent = (path, body) =>
  event('POST', path, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/**
 * The events of one route, in the order a run sends them: `first()` for a cold start, `next()` for
 * each warm invocation (which carries the rotated refresh token forward: `carry(result)`), and for
 * forgot, which of them named the user who exists (`forgotKnown`).
 */
export function routeEvents(route, plan) {
  let refreshCookie = plan.refreshTokens[0];
  let logoutIndex = 0;
  // POST /auth/password, alternating between two passwords: each change makes the next one's current.
  let changeFrom = plan.changeFrom ?? 0;
  const passwordChange = () => {
    const [current, next] = changeFrom === 0 ? plan.changePasswords : [...plan.changePasswords].reverse();
    changeFrom = 1 - changeFrom;
    return event('POST', '/auth/password', {
      headers: { 'content-type': 'application/json', authorization: `Bearer ${plan.accessToken}` },
      body: JSON.stringify({ current_password: current, new_password: next }),
    });
  };
  // Forgot alternates between a user who exists and one who does not: the two must take as long.
  const forgotKnown = [];
  const forgot = () => {
    const known = forgotKnown.length % 2 === 0;
    forgotKnown.push(known);
    return jsonEvent('/auth/password/forgot', { username: known ? plan.forgotUsers.known : plan.forgotUsers.unknown });
  };
  let resetN = 0;
  let verifyN = 0;
  let signupN = 0;
  const account = {
    forgot,
    resend: () => jsonEvent('/auth/email/verify/resend', { username: plan.resendUser }),
    reset: () =>
      jsonEvent('/auth/password/reset', { token: plan.resetTokens[resetN++], new_password: 'a bench passphrase' }),
    verify: () => jsonEvent('/auth/email/verify', { token: plan.verifyTokens[verifyN++] }),
    signup: () =>
      jsonEvent('/auth/signup', {
        username: `${plan.signupPrefix}-${signupN}`,
        password: 'a bench passphrase',
        email: `${plan.signupPrefix}-${signupN++}@bench.example`,
      }),
  };
  // Passkeys: each login uses up a challenge (the plan's assertions were signed over them), each
  // registration one of its session's challenges; the others only need the caller's Bearer token.
  let assertionN = 0;
  let registrationN = 0;
  const bearer = { authorization: `Bearer ${plan.accessToken}` };
  const withBearer = (method, path, body, extra = {}) =>
    event(method, path, {
      headers: { ...bearer, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      ...extra,
    });
  const passkey = {
    'passkey-options': () => jsonEvent('/auth/passkeys/login/options', {}),
    'passkey-login': () => jsonEvent('/auth/passkeys/login/verify', { credential: plan.assertions[assertionN++] }),
    'oauth-passkey': () =>
      oauthEvent({
        grant_type: 'urn:serverless-auth-api:params:oauth:grant-type:passkey',
        credential: JSON.stringify(plan.assertions[assertionN++]),
      }),
    'passkey-register-options': () => withBearer('POST', '/auth/passkeys/register/options'),
    'passkey-register': () =>
      withBearer('POST', '/auth/passkeys/register/verify', { credential: plan.registrations[registrationN++] }),
    'passkey-list': () => withBearer('GET', '/auth/passkeys'),
    'passkey-rename': () =>
      withBearer(
        'PATCH',
        `/auth/passkeys/${plan.passkeyId}`,
        { name: 'Bench passkey' },
        {
          route: '/auth/passkeys/{id}',
          pathParameters: { id: plan.passkeyId },
        },
      ),
    'mfa-status': () => withBearer('GET', '/auth/mfa'),
    'totp-setup': () => withBearer('POST', '/auth/mfa/totp/setup'),
  };
  // The authorization server: the login page of a fresh request (no SSO); the hosted pages' posts,
  // each on a pending authorization of its own from this browser (its authz cookie), as the page
  // sends them (same origin); a code per redemption; an SSO session per logout; userinfo with the
  // caller's token, a service's client_credentials by HTTP Basic, the metadata document.
  let pendingN = 0;
  let mfaN = 0;
  let codeN = 0;
  let ssoN = 0;
  const hostedPost = (path, fields) =>
    event('POST', path, {
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://bench.local',
        'sec-fetch-site': 'same-origin',
        'sec-fetch-mode': 'navigate',
      },
      cookies: [`__Host-authz=${plan.browser}`],
      body: new URLSearchParams({ authz: plan.pending[pendingN++], ...fields }).toString(),
    });
  const authorization = {
    authorize: () =>
      event('GET', '/oauth2/authorize', {
        headers: { 'sec-fetch-mode': 'navigate' },
        query: new URLSearchParams({
          response_type: 'code',
          client_id: plan.benchApp.id,
          redirect_uri: plan.benchApp.redirectUri,
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
          scope: 'openid',
          state: 'bench',
        }).toString(),
      }),
    'hosted-password': () => hostedPost('/oauth2/login/password', { username: plan.username, password: plan.password }),
    'hosted-mfa': () =>
      hostedPost('/oauth2/login/mfa', { mfa_token: plan.mfaSteps[mfaN].mfaToken, code: plan.mfaSteps[mfaN++].code }),
    'hosted-passkey': () =>
      hostedPost('/oauth2/login/passkey', { credential: JSON.stringify(plan.assertions[assertionN++]) }),
    consent: () => hostedPost('/oauth2/consent', { decision: 'allow' }),
    'code-grant': () =>
      oauthEvent({
        grant_type: 'authorization_code',
        client_id: plan.benchApp.id,
        redirect_uri: plan.benchApp.redirectUri,
        code: plan.codes[codeN].code,
        code_verifier: plan.codes[codeN++].verifier,
      }),
    'sso-logout': () => event('GET', '/oauth2/logout', { cookies: [`__Host-sso=${plan.ssoCookies[ssoN++]}`] }),
    register: () =>
      jsonEvent('/oauth2/register', {
        client_name: 'Bench agent',
        redirect_uris: ['http://127.0.0.1/callback'],
        token_endpoint_auth_method: 'none',
      }),
    userinfo: () => withBearer('GET', '/oauth2/userinfo'),
    'client-credentials': () =>
      event('POST', '/oauth2/token', {
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${btoa(`${plan.benchService.id}:${plan.benchService.secret}`)}`,
        },
        body: 'grant_type=client_credentials',
      }),
    metadata: () => event('GET', '/.well-known/oauth-authorization-server'),
  };
  const next = {
    token: () => loginEvent(plan.username, plan.password),
    refresh: () => event('POST', '/auth/refresh', { cookies: [`refresh_token=${refreshCookie}`] }),
    'oauth-password': () => oauthEvent({ grant_type: 'password', username: plan.username, password: plan.password }),
    'oauth-refresh': () => oauthEvent({ grant_type: 'refresh_token', refresh_token: refreshCookie }),
    'password-change': passwordChange,
    logout: () => event('POST', '/auth/logout', { cookies: [`refresh_token=${plan.refreshTokens[logoutIndex++]}`] }),
    me: () => event('GET', '/users/me', { headers: { authorization: `Bearer ${plan.accessToken}` } }),
    discovery: () => event('GET', '/.well-known/openid-configuration'),
    jwks: () => event('GET', '/.well-known/jwks.json'),
    ...account,
    ...passkey,
    ...authorization,
  }[route];
  return {
    first: next,
    next,
    forgotKnown,
    /** Rotation: carry each new refresh token forward, as a client would. */
    carry(result) {
      if (route === 'refresh') refreshCookie = result.cookies[0].match(/^refresh_token=([^;]+)/)[1];
      if (route === 'oauth-refresh') refreshCookie = JSON.parse(result.body).refresh_token;
    },
  };
}
