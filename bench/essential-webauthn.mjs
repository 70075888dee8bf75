// The essential bundle's entry for the routes that verify WebAuthn responses (passkey login and
// registration, the passkey grant): bench/essential.mjs with @simplewebauthn/server, the library those
// functions bundle, so the floor carries it too.
import { verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server';
import { essentialWork } from './essential-work.mjs';

export async function handler(plan) {
  const work = await essentialWork(plan, { webauthn: { verifyAuthenticationResponse, verifyRegistrationResponse } });
  await work();
}
