import { BEARER_ERROR } from './authorization';
import { type Schema, str, object } from './parts';

/** The document's named schemas (`#/components/schemas/...`). */
export const SCHEMAS: Record<string, Schema> = {
  Detail: object({ detail: str }),
  ValidationError: object({
    detail: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          type: str,
          loc: { type: 'array', items: { type: ['string', 'integer'] } },
          msg: str,
          ctx: { type: 'object' },
        },
        required: ['type', 'loc', 'msg'],
        additionalProperties: false,
      },
    },
  }),
  BearerError: BEARER_ERROR,
  OAuthError: object(
    {
      error: {
        enum: [
          'invalid_request',
          'invalid_grant',
          'invalid_client',
          'unauthorized_client',
          'unsupported_grant_type',
          'invalid_scope',
          'invalid_target',
          'invalid_redirect_uri',
          'invalid_client_metadata',
          'invalid_software_statement',
          'slow_down',
          'temporarily_unavailable',
          'server_error',
        ],
      },
      error_description: str,
    },
    ['error'],
  ),
  MfaRequired: object({
    detail: { const: 'MFA required' },
    mfa_token: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' },
    mfa_methods: { type: 'array', items: { enum: ['totp', 'recovery_code'] } },
    expires_in: { const: 300 },
  }),
  OAuthMfaRequired: object({
    error: { const: 'mfa_required' },
    error_description: { const: 'Multi-factor authentication required' },
    mfa_token: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' },
    mfa_methods: { type: 'array', items: { enum: ['totp', 'recovery_code'] } },
    expires_in: { const: 300 },
  }),
  GatewayMessage: { ...object({ message: str }), description: "API Gateway's own answer (not our code's)" },
  User: object({
    username: str,
    email: { type: ['string', 'null'] },
    full_name: { type: ['string', 'null'] },
    disabled: { type: 'boolean' },
  }),
  Sessions: object({
    sessions: {
      type: 'array',
      items: object({
        id: str,
        created_at: { type: 'string', format: 'date-time' },
        last_used_at: { type: 'string', format: 'date-time' },
        expires_at: { type: 'string', format: 'date-time' },
        current: { type: 'boolean' },
        kind: { enum: ['login', 'sso'] },
        client_id: str,
      }),
    },
  }),
  Discovery: {
    type: 'object',
    properties: {
      issuer: str,
      jwks_uri: str,
      token_endpoint: str,
      revocation_endpoint: str,
      grant_types_supported: { type: 'array', items: str },
      response_types_supported: { type: 'array', items: str },
      token_endpoint_auth_methods_supported: { type: 'array', items: str },
      revocation_endpoint_auth_methods_supported: { type: 'array', items: str },
    },
    required: ['issuer', 'jwks_uri', 'token_endpoint', 'revocation_endpoint', 'response_types_supported'],
  },
  Jwks: object({
    keys: {
      type: 'array',
      items: object({
        kty: { const: 'RSA' },
        kid: str,
        use: { const: 'sig' },
        alg: { const: 'RS256' },
        n: str,
        e: str,
      }),
    },
  }),
  Whoami: object({
    username: { type: ['string', 'null'] },
    session: { type: ['string', 'null'] },
    client_id: { type: ['string', 'null'] },
  }),
};
