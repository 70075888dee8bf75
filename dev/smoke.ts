/** One check of the smoke run: what was checked, and whether it held. */
export interface SmokeCheck {
  name: string;
  ok: boolean;
  detail?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: whatever the API answered, each check reads the fields it expects
const json = async (res: Response): Promise<any> => {
  try {
    return await res.json();
  } catch {
    return undefined;
  }
};
const headerOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString());

/**
 * The post-deploy check (`npm run smoke -- <Issuer>`, the stack's output: what tokens carry as iss):
 * discovery names the API as issuer, the JWKS publishes the key that signs a login's access token,
 * /users/me and a protected route of each kind answer, and after a logout the session authorizer
 * refuses at once while the JWT authorizer still accepts (the trade between them). Only what a
 * client can see; nothing is left logged in.
 */
export async function runSmoke(apiUrl: string, username: string, password: string): Promise<SmokeCheck[]> {
  const base = apiUrl.replace(/\/+$/, '');
  const checks: SmokeCheck[] = [];
  const check = (name: string, ok: boolean, detail?: string) => checks.push({ name, ok, ...(ok ? {} : { detail }) });

  const discovery = await json(await fetch(`${base}/.well-known/openid-configuration`));
  check('discovery names this API as issuer', discovery?.issuer === base, `issuer is ${discovery?.issuer}`);
  const jwks = await json(await fetch(discovery?.jwks_uri ?? `${base}/.well-known/jwks.json`));
  const kids: string[] = (jwks?.keys ?? []).map((k: { kid: string }) => k.kid);
  check('the JWKS publishes RSA keys', kids.length > 0 && jwks.keys.every((k: { kty: string }) => k.kty === 'RSA'));

  const login = await fetch(`${base}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }),
  });
  const body = await json(login);
  check('a login answers 200 with an access token', login.status === 200 && !!body?.access_token, `${login.status}`);
  if (!body?.access_token) return checks;
  const access: string = body.access_token;
  const cookie =
    login.headers
      .getSetCookie()
      .find((c) => c.startsWith('refresh_token='))
      ?.split(';')[0] ?? '';
  check('its access token is RS256 under a published kid', kids.includes(headerOf(access).kid));

  const get = (path: string) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${access}` } });
  check('GET /users/me answers 200', (await get('/users/me')).status === 200);
  for (const kind of ['jwt', 'session']) {
    const status = (await get(`/examples/${kind}`)).status;
    check(`the ${kind} authorizer lets the token through`, status === 200, `${status}`);
  }
  const logout = await fetch(`${base}/auth/logout`, {
    method: 'POST',
    headers: { cookie, authorization: `Bearer ${access}` },
  });
  check('logout answers 200', logout.status === 200, `${logout.status}`);
  const afterSession = (await get('/examples/session')).status;
  check('after logout the session authorizer refuses the token (403)', afterSession === 403, `${afterSession}`);
  const afterJwt = (await get('/examples/jwt')).status;
  check('after logout the JWT authorizer still accepts it until it expires', afterJwt === 200, `${afterJwt}`);
  return checks;
}
