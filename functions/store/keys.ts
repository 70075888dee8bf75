import { type CryptoKey, importJWK } from 'jose';
import { ServiceUnavailableError } from '../core/errors';
import { ACCESS_TOKEN_ALG, type KeySet, type PublicJwk, keyOf, parseJwks, parseKeySet, publicJwks } from '../core/keys';
import type { TokenKeys } from '../core/tokens';
import { localKeyGeneration, localSigningKeys } from './local-keys';
import { readSecret } from './secrets';

/** Where each key comes from: the environment locally (and under `sam local invoke`), Secrets Manager deployed. */
export interface KeySources {
  /** The refresh-token secret itself (local) or its secret's ARN. */
  jwtSecret?: string;
  jwtSecretArn?: string;
  /** The private key set as JSON (local) or its secret's ARN (only functions that sign access tokens). */
  signingKeys?: string;
  signingKeysArn?: string;
  /** The published key set's secret (verify-only functions read this, never the private set). */
  publicKeysArn?: string;
}

/** Key material is re-read at most this often, so a rotation reaches warm functions within 5 minutes. */
export const KEY_CACHE_MS = 5 * 60_000;
/** A token naming an unknown `kid` makes us look again, but not more often than this. */
export const UNKNOWN_KID_REFETCH_MS = 10_000;

/**
 * A value loaded on first use and kept for KEY_CACHE_MS, or until the local key set is replaced
 * (store/local-keys.ts; never in a deployed function). A failed load is not kept, so the next
 * request tries again (and meanwhile answers 503).
 */
function cached<T>(load: () => Promise<T>, now: () => number) {
  let entry: { at: number; generation: number; value: Promise<T> } | undefined;
  return {
    get(): Promise<T> {
      if (!entry || now() - entry.at >= KEY_CACHE_MS || entry.generation !== localKeyGeneration()) {
        const fresh = { at: now(), generation: localKeyGeneration(), value: load() };
        entry = fresh;
        fresh.value.catch(() => {
          if (entry === fresh) entry = undefined;
        });
      }
      return entry.value;
    },
    /** Forgets the value unless it was loaded less than `minAgeMs` ago; true when it did. */
    expire(minAgeMs: number): boolean {
      if (entry && now() - entry.at < minAgeMs) return false;
      entry = undefined;
      return true;
    },
  };
}

const unavailable = (message: string) => new ServiceUnavailableError('secret', { cause: new Error(message) });

/** The published keys: the public copy when deployed, else the public halves of the local private set. */
async function readPublished(
  sources: KeySources,
  read: (arn: string) => Promise<string | undefined>,
  localSet: () => Promise<KeySet | undefined>,
): Promise<PublicJwk[]> {
  const local = sources.publicKeysArn ? undefined : await localSet();
  const keys = sources.publicKeysArn ? parseJwks(await read(sources.publicKeysArn)) : local && publicJwks(local).keys;
  if (!keys?.length) throw unavailable('public key set missing or invalid');
  return keys;
}

/** How the key sources are read: a clock and a secret reader (Secrets Manager's, unless a test gives another). */
export interface KeyReading {
  now?: () => number;
  read?: (arn: string) => Promise<string | undefined>;
}

/** The TokenKeys of functions/core/tokens.ts over the configured sources. */
export function tokenKeys(sources: KeySources, { now = Date.now, read = readSecret }: KeyReading = {}): TokenKeys {
  const text = (value: string | undefined, arn: string | undefined) => async () =>
    value ?? (arn ? await read(arn) : undefined);

  const refresh = cached(async () => {
    const secret = await text(sources.jwtSecret, sources.jwtSecretArn)();
    // RFC 7518 §3.2: an HS256 key needs at least 256 bits.
    if (!secret || secret.length < 32) throw unavailable('refresh secret missing or shorter than 32 characters');
    const raw = new TextEncoder().encode(secret);
    return crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  }, now);

  const privateSet = cached(async () => {
    const set = await parseKeySet(await text(localSigningKeys(sources.signingKeys), sources.signingKeysArn)());
    if (!set) throw unavailable('private key set missing or invalid');
    return set;
  }, now);

  const signing = cached(async () => {
    const { kid, jwk } = keyOf(await privateSet.get(), 'current');
    return { kid, key: (await importJWK(jwk, ACCESS_TOKEN_ALG)) as CryptoKey };
  }, now);

  const published = cached(async () => {
    const keys = await readPublished(sources, read, () => privateSet.get());
    // Each key is imported when a token first names it (most tokens name the current key): a cold
    // start imports one key, not three.
    const imported = new Map<string, Promise<CryptoKey>>();
    const byKid = new Map(keys.map((k) => [k.kid, k]));
    return (kid: string): Promise<CryptoKey> | undefined => {
      const jwk = byKid.get(kid);
      if (!jwk) return undefined;
      if (!imported.has(kid)) imported.set(kid, importJWK(jwk, ACCESS_TOKEN_ALG) as Promise<CryptoKey>);
      return imported.get(kid);
    };
  }, now);

  return {
    refreshKey: () => refresh.get(),
    signingKey: () => signing.get(),
    async verificationKey(kid) {
      const key = (await published.get())(kid);
      if (key || !published.expire(UNKNOWN_KID_REFETCH_MS)) return key;
      // A kid we do not know yet may be a key published since we last looked.
      if (!sources.publicKeysArn) privateSet.expire(0);
      return (await published.get())(kid);
    },
  };
}

/** The published key set as `/.well-known/jwks.json` serves it (read from the public copy, never the private set). */
export function publishedKeySet(
  sources: KeySources,
  { now = Date.now, read = readSecret }: KeyReading = {},
): () => Promise<{ keys: PublicJwk[] }> {
  const doc = cached(
    async () => ({
      keys: await readPublished(sources, read, () => parseKeySet(localSigningKeys(sources.signingKeys))),
    }),
    now,
  );
  return () => doc.get();
}
