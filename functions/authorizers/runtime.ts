/**
 * The composition root of the session authorizer: the session routes' AuthService, whose
 * `authenticate` is the check /users/me makes (docs/http-contract.md "Protecting your own routes").
 */
export { auth } from '../sessions/runtime';
