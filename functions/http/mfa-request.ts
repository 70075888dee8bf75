import type { SecondFactorProof } from '../core/mfa';
import { parseRecoveryCode } from '../core/recovery-codes';
import { isTotpCode } from '../core/totp-code';
import { type ValidationIssue, validationFailed } from './errors';
import { bodyFields, stringField } from './request';
import type { HttpEvent } from './types';

/**
 * The MFA routes' request bodies (docs/mfa.md), JSON or form: shape and pattern are checked before
 * the table is touched, and a malformed request is a FastAPI-shaped 422 that writes nothing.
 */

const valueError = (field: string, msg: string): ValidationIssue => ({
  type: 'value_error',
  loc: ['body', field],
  msg: `Value error, ${msg}`,
});

/** A pending MFA token as issued: 43 base64url characters. */
export const MFA_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** `code` of POST /auth/mfa/totp/confirm: six digits. */
export function parseTotpConfirm(event: HttpEvent): { code: string } {
  const issues: ValidationIssue[] = [];
  const code = stringField(bodyFields(event), 'code', issues);
  if (code !== undefined && !isTotpCode(code)) issues.push(valueError('code', 'code must be 6 digits'));
  if (issues.length > 0) throw validationFailed(issues);
  return { code: code! };
}

/** Exactly one of `code` (six digits) and `recovery_code` (a recovery code's form). */
export function secondFactorOf(
  fields: Record<string, unknown>,
  issues: ValidationIssue[],
  names: { code: string; recoveryCode: string } = { code: 'code', recoveryCode: 'recovery_code' },
): SecondFactorProof | undefined {
  const given = [names.code, names.recoveryCode].filter((n) => fields[n] !== undefined && fields[n] !== '');
  if (given.length !== 1) {
    issues.push(valueError(names.code, `exactly one of ${names.code} and ${names.recoveryCode} is required`));
    return undefined;
  }
  if (given[0] === names.code) {
    const code = stringField(fields, names.code, issues);
    if (code !== undefined && !isTotpCode(code)) issues.push(valueError(names.code, `${names.code} must be 6 digits`));
    return code === undefined ? undefined : { code };
  }
  const recoveryCode = stringField(fields, names.recoveryCode, issues);
  if (recoveryCode !== undefined && !parseRecoveryCode(recoveryCode))
    issues.push(valueError(names.recoveryCode, 'not a recovery code'));
  return recoveryCode === undefined ? undefined : { recoveryCode };
}

/** POST /auth/mfa/totp/disable: exactly one of `code` and `recovery_code`. */
export function parseSecondFactor(event: HttpEvent): SecondFactorProof {
  const issues: ValidationIssue[] = [];
  const proof = secondFactorOf(bodyFields(event), issues);
  if (issues.length > 0) throw validationFailed(issues);
  return proof!;
}

/** POST /auth/mfa/verify: `mfa_token` and exactly one of `code` and `recovery_code`. */
export function parseMfaVerify(event: HttpEvent): { mfaToken: string; proof: SecondFactorProof } {
  const fields = bodyFields(event);
  const issues: ValidationIssue[] = [];
  const mfaToken = stringField(fields, 'mfa_token', issues);
  if (mfaToken !== undefined && !MFA_TOKEN_PATTERN.test(mfaToken))
    issues.push(valueError('mfa_token', 'not an MFA token'));
  const proof = secondFactorOf(fields, issues);
  if (issues.length > 0) throw validationFailed(issues);
  return { mfaToken: mfaToken!, proof: proof! };
}
