/**
 * The shape of a TOTP code, apart from core/totp.ts so that checking a request's shape never loads
 * `otpauth` (only computing a code does).
 */
export const isTotpCode = (code: unknown): code is string => typeof code === 'string' && /^\d{6}$/.test(code);
