/**
 * The one route table. The CDK stack makes one Lambda function and one HTTP API route per row;
 * the dev server serves the same rows with the same handlers. Paths use API Gateway's `{param}`.
 */
export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  /** File under functions/ (without .ts) exporting `handler`; also the function's id in the stack. */
  handler: string;
  description: string;
  /**
   * The only DynamoDB actions the route's function may perform (least privilege, read by the stack); Query is granted
   * on the index only.
   */
  tableActions: readonly string[];
  /** Whether the function signs or verifies tokens, and so may read the signing-key secret. */
  usesSigningKey: boolean;
}

export const routes: readonly Route[] = [
  {
    method: 'POST',
    path: '/auth/token',
    handler: 'token',
    description: 'Log in with username and password',
    tableActions: ['dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
    usesSigningKey: true,
  },
  {
    method: 'POST',
    path: '/auth/refresh',
    handler: 'refresh',
    description: 'New access token and rotated refresh cookie',
    tableActions: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
    usesSigningKey: true,
  },
  {
    method: 'POST',
    path: '/auth/logout',
    handler: 'logout',
    description: 'End this session and clear the cookie',
    tableActions: ['dynamodb:DeleteItem'],
    usesSigningKey: true,
  },
  {
    method: 'POST',
    path: '/auth/logout-all',
    handler: 'logout-all',
    description: 'End every session of the user',
    tableActions: ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:DeleteItem'],
    usesSigningKey: true,
  },
  {
    method: 'GET',
    path: '/auth/sessions',
    handler: 'sessions',
    description: "The user's live sessions",
    tableActions: ['dynamodb:BatchGetItem', 'dynamodb:Query'],
    usesSigningKey: true,
  },
  {
    method: 'DELETE',
    path: '/auth/sessions/{id}',
    handler: 'session-delete',
    description: 'End one of the user own sessions',
    tableActions: ['dynamodb:BatchGetItem', 'dynamodb:DeleteItem'],
    usesSigningKey: true,
  },
  {
    method: 'GET',
    path: '/users/me',
    handler: 'me',
    description: 'The current user',
    tableActions: ['dynamodb:BatchGetItem'],
    usesSigningKey: true,
  },
];

/** Answers every request no route matches: 404, or 405 when the path exists with another method. */
export const fallbackHandler = 'not-found';

/** The route for a method and path, with its path parameters; or whether the path exists under other methods. */
export function matchRoute(
  method: string,
  path: string,
): { route?: Route; params: Record<string, string>; pathKnown: boolean } {
  let pathKnown = false;
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (!params) continue;
    pathKnown = true;
    if (route.method === method.toUpperCase()) return { route, params, pathKnown };
  }
  return { params: {}, pathKnown };
}

function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const m = want[i].match(/^\{(\w+)\}$/);
    if (m) {
      if (!got[i]) return undefined;
      try {
        params[m[1]] = decodeURIComponent(got[i]);
      } catch {
        return undefined; // malformed percent-encoding: no route has such a path
      }
    } else if (want[i] !== got[i]) return undefined;
  }
  return params;
}
