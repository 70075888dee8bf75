import type { ProtectedRoute } from './routes';

/**
 * Routes of your own behind this API's tokens: the stack and the dev server both read this list
 * (docs/protecting-your-api.md). The two examples answer who is calling, one behind each
 * authorizer; `npm run smoke` uses them after a deploy. Replace them with your own.
 */
export const protectedRoutes: readonly ProtectedRoute[] = [
  {
    name: 'examples-jwt',
    method: 'GET',
    path: '/examples/jwt',
    entry: 'functions/examples/whoami.ts',
    authorizer: 'jwt',
  },
  {
    name: 'examples-session',
    method: 'GET',
    path: '/examples/session',
    entry: 'functions/examples/whoami.ts',
    authorizer: 'session',
  },
];
