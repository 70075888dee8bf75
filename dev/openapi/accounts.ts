import {
  type Operation,
  ref,
  str,
  int,
  object,
  jsonBody,
  detail,
  H,
  passwordChange,
  fields,
  newPassword,
  usernameField,
  fieldErrors,
  perIpLimit,
  badToken,
  message,
  emailRoute,
  signupRoute,
  signupOff,
  originRefused,
} from './parts';

/** The account routes: change, forget and reset a password, sign up, verify an email address. */
export const ACCOUNT_OPERATIONS: Record<string, Operation> = {
  'POST /auth/password': {
    summary: 'Change your own password; every other session ends, this one keeps working',
    description:
      'The caller keeps its access token and gets a new refresh cookie: every refresh token of its session ' +
      'from before the change is dead at once (presented, it is a replay and ends the session). An OAuth ' +
      'client, whose refresh token is in its own storage, logs in again with the new password.',
    security: [{ bearer: [] }],
    requestBody: {
      required: true,
      content: {
        'application/x-www-form-urlencoded': { schema: passwordChange },
        'application/json': { schema: passwordChange },
      },
    },
    responses: {
      '200': jsonBody(object({ message: { const: 'Password changed' }, revoked: int }), 'Changed', H.setCookie),
      '401': {
        description:
          'No token or an invalid one (`Not authenticated`, `Could not validate credentials`, with ' +
          '`WWW-Authenticate`), or a wrong current password (`Incorrect password`, counted toward the lockout)',
        content: { 'application/json': { schema: ref('Detail') } },
      },
      '400': detail('The user is disabled', 'Inactive user', H.wwwAuthenticate),
      '413': detail('Body over 16 KiB'),
      '415': detail('Neither a form nor JSON'),
      '422': jsonBody(ref('ValidationError'), 'Missing fields, or a new password the policy refuses (`msg` says why)'),
      '429': {
        description: 'Locked out (the current password is checked like a login)',
        content: { 'application/json': { schema: { oneOf: [ref('Detail'), ref('GatewayMessage')] } } },
      },
    },
  },
  'POST /auth/password/forgot': {
    summary: 'Ask for a password reset link',
    description:
      'Always the same 202, as fast whether or not the user exists; at most 3 messages per user per hour ' +
      `(beyond that, the same 202 and nothing sent). The link lives 30 minutes.${emailRoute}`,
    requestBody: fields({ username: usernameField }),
    responses: {
      ...originRefused,
      '202': message('If the account exists, a reset link has been sent', 'Accepted (whoever was named)'),
      ...fieldErrors,
      ...perIpLimit,
    },
  },
  'POST /auth/password/reset': {
    summary: "Set a new password with a reset link's token",
    description: `Every session of the user ends and the username's lockout is cleared.${emailRoute}`,
    requestBody: fields({ token: str, new_password: newPassword }),
    responses: {
      ...originRefused,
      '200': message('Password reset', 'The password is replaced'),
      ...badToken,
      ...fieldErrors,
    },
  },
  'POST /auth/signup': {
    summary: 'Create an account',
    description: `A verification link (24 hours) is sent to the address.${signupRoute}`,
    requestBody: fields(
      {
        username: usernameField,
        password: newPassword,
        email: { type: 'string', maxLength: 254 },
        full_name: { type: 'string', maxLength: 256 },
      },
      ['username', 'password', 'email'],
    ),
    responses: {
      ...originRefused,
      '201': jsonBody(
        object({
          username: str,
          email: str,
          full_name: { type: ['string', 'null'] },
          disabled: { const: false },
          email_verified: { const: false },
        }),
        'The new, unverified user',
      ),
      '409': detail(
        'The username, or one that looks the same (its Unicode TS #39 confusable skeleton), is taken',
        'Username already registered',
      ),
      ...signupOff,
      ...fieldErrors,
      ...perIpLimit,
    },
  },
  'POST /auth/email/verify': {
    summary: "Verify an email address with a verification link's token",
    description: signupRoute.trim(),
    requestBody: fields({ token: str }),
    responses: {
      ...originRefused,
      '200': message('Email verified', 'The address is verified'),
      ...badToken,
      ...signupOff,
      ...fieldErrors,
    },
  },
  'POST /auth/email/verify/resend': {
    summary: 'Ask for a new verification link',
    description: `The same rules as forgot: always 202, at most 3 messages per user per hour.${signupRoute}`,
    requestBody: fields({ username: usernameField }),
    responses: {
      ...originRefused,
      '202': message('If the account needs it, a verification link has been sent', 'Accepted (whoever was named)'),
      ...signupOff,
      ...fieldErrors,
      ...perIpLimit,
    },
  },
};
