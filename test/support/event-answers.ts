import { fallbackHandler } from '../../functions/routes';

/** What each event file answers as committed (its tokens are placeholders to paste real ones into). */
export const AS_COMMITTED: Record<string, [number, unknown]> = {
  token: [200, undefined],
  'oauth2-token': [200, undefined],
  'oauth2-revoke': [200, {}],
  'password-change': [401, { detail: 'Could not validate credentials' }],
  'password-forgot': [202, { message: 'If the account exists, a reset link has been sent' }],
  'password-reset': [400, { detail: 'Invalid or expired token' }],
  signup: [
    201,
    {
      username: 'paste-a-new-username-here',
      email: 'someone@example.com',
      full_name: 'Someone New',
      disabled: false,
      email_verified: false,
    },
  ],
  'email-verify': [400, { detail: 'Invalid or expired token' }],
  'email-verify-resend': [202, { message: 'If the account needs it, a verification link has been sent' }],
  refresh: [401, { detail: 'Invalid refresh token' }],
  logout: [200, { message: 'Successfully logged out' }],
  me: [401, { detail: 'Could not validate credentials' }],
  'logout-all': [401, { detail: 'Could not validate credentials' }],
  sessions: [401, { detail: 'Could not validate credentials' }],
  'session-delete': [404, { detail: 'Session not found' }],
  'mfa-status': [401, { detail: 'Could not validate credentials' }],
  'mfa-totp-setup': [401, { detail: 'Could not validate credentials' }],
  'mfa-totp-confirm': [401, { detail: 'Could not validate credentials' }],
  'mfa-totp-disable': [401, { detail: 'Could not validate credentials' }],
  'mfa-recovery-codes': [401, { detail: 'Could not validate credentials' }],
  'mfa-verify': [401, { detail: 'Invalid or expired MFA token' }],
  'openid-configuration': [200, undefined],
  'oauth2-metadata': [200, undefined],
  jwks: [200, undefined],
  [fallbackHandler]: [404, { detail: 'Not Found' }],
};
