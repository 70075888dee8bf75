/**
 * A refusal by the OAuth rules of the client registry and scopes (RFC 6749 §5.2, RFC 8707 §2): the
 * error code is the wire's, so functions/http/oauth.ts sends it as is. Kept out of DomainError: the
 * FastAPI-style routes never meet these.
 */
export type OAuthRuleCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'invalid_scope'
  | 'invalid_target'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'invalid_software_statement'
  | 'slow_down';

export class OAuthRuleError extends Error {
  constructor(
    readonly error: OAuthRuleCode,
    readonly description: string,
    /** invalid_client after HTTP Basic credentials: RFC 6749 §5.2's 401 with `WWW-Authenticate: Basic`. */
    readonly basic = false,
    readonly retryAfterSeconds?: number,
  ) {
    super(description);
    this.name = 'OAuthRuleError';
  }
}
