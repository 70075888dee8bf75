import { type JWK, type JWK_RSA_Public, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';

/**
 * The access-token signing keys (docs/architecture.md "Signing keys"). A key set holds three RSA
 * 2048 keys: `current` signs; `next` is published a whole rotation period before it signs;
 * `previous` stays published a whole period after it stopped, so every token it signed expires
 * first. Rotation moves next -> current -> previous and makes a fresh next.
 */
export type KeyLabel = 'previous' | 'current' | 'next';

export interface KeyEntry {
  label: KeyLabel;
  /** The RFC 7638 thumbprint of the public key. */
  kid: string;
  createdAt: number;
  /** The private key as a JWK (RSA, with `d`). Never leaves the private key set. */
  jwk: JWK;
}

export interface KeySet {
  keys: KeyEntry[];
}

/** One published key, as `/.well-known/jwks.json` lists it. */
export type PublicJwk = JWK_RSA_Public & { kid: string; use: 'sig'; alg: 'RS256' };

export const ACCESS_TOKEN_ALG = 'RS256';
const LABELS: readonly KeyLabel[] = ['previous', 'current', 'next'];

/** A fresh RSA 2048 key with its thumbprint as `kid`. */
export async function newKey(label: KeyLabel, now: number): Promise<KeyEntry> {
  const { privateKey } = await generateKeyPair(ACCESS_TOKEN_ALG, { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  return { label, kid: await calculateJwkThumbprint(jwk), createdAt: now, jwk };
}

/** A whole new set: three fresh keys. */
export async function newKeySet(now: number): Promise<KeySet> {
  return { keys: await Promise.all(LABELS.map((label) => newKey(label, now))) };
}

/** The set one rotation later: next signs from now on, current stays published as previous. */
export async function rotateKeySet(set: KeySet, now: number): Promise<KeySet> {
  const current = keyOf(set, 'current');
  const next = keyOf(set, 'next');
  return {
    keys: [{ ...current, label: 'previous' }, { ...next, label: 'current' }, await newKey('next', now)],
  };
}

/** The key with this label. */
export function keyOf(set: KeySet, label: KeyLabel): KeyEntry {
  const key = set.keys.find((k) => k.label === label);
  if (!key) throw new Error(`key set has no ${label} key`);
  return key;
}

/**
 * The key set in `text`, or undefined when it is not one: exactly one key per label, each an RSA
 * private JWK whose `kid` is its thumbprint. Anything else is refused whole (a half-valid set
 * must never sign).
 */
export async function parseKeySet(text: string | undefined): Promise<KeySet | undefined> {
  if (!text) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const keys = (value as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.length !== LABELS.length) return undefined;
  for (const label of LABELS) if (keys.filter((k) => k?.label === label).length !== 1) return undefined;
  for (const k of keys as KeyEntry[]) {
    const jwk = k.jwk as Record<string, unknown> | undefined;
    if (jwk?.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string' || typeof jwk.d !== 'string') {
      return undefined;
    }
    if (typeof k.createdAt !== 'number' || k.kid !== (await calculateJwkThumbprint(k.jwk))) return undefined;
  }
  return { keys: keys as KeyEntry[] };
}

/** The public halves of every key in the set: the JWKS document. No private member is copied. */
export function publicJwks(set: KeySet): { keys: PublicJwk[] } {
  return {
    keys: set.keys.map(({ kid, jwk }) => ({
      kty: 'RSA',
      n: String(jwk.n),
      e: String(jwk.e),
      kid,
      use: 'sig',
      alg: 'RS256',
    })),
  };
}

/** The published keys in a JWKS document, or undefined when it is not a usable one. */
export function parseJwks(text: string | undefined): PublicJwk[] | undefined {
  if (!text) return undefined;
  try {
    const keys = (JSON.parse(text) as { keys?: unknown }).keys;
    if (!Array.isArray(keys) || keys.length === 0) return undefined;
    const usable = keys.every(
      (k) =>
        k?.kty === 'RSA' &&
        typeof k.n === 'string' &&
        typeof k.e === 'string' &&
        typeof k.kid === 'string' &&
        !('d' in k),
    );
    return usable ? (keys as PublicJwk[]) : undefined;
  } catch {
    return undefined;
  }
}
