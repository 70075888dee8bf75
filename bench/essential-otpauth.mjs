// The essential bundle's entry for the TOTP routes: bench/essential.mjs with otpauth, the library
// those functions bundle, so the floor carries it too.
import { Secret, TOTP } from 'otpauth';
import { essentialWork } from './essential-work.mjs';

export async function handler(plan) {
  const work = await essentialWork(plan, { otpauth: { Secret, TOTP } });
  await work();
}
