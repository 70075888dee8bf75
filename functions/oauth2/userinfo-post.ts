/** POST /oauth2/userinfo: the same answer as GET (OIDC Core §5.3 allows both), in a function of its own. */
export { handler, userinfo } from './userinfo';
