import { SignJWT, importJWK, jwtVerify } from 'jose';
import { type KeySet, keyOf, newKeySet, parseKeySet, publicJwks, rotateKeySet } from './keys';

/** The two secrets of the signing keys, as the rotation needs them (functions/store/key-set-secrets.ts). */
export interface KeySetSecrets {
  /** Whether rotation is on, and each version of the private set with its staging labels. */
  describe(): Promise<{ rotationEnabled: boolean; versions: Record<string, string[]> }>;
  /** The private set's value at a stage (and version), or undefined when there is none. */
  readPrivate(stage: 'AWSCURRENT' | 'AWSPENDING', versionId?: string): Promise<string | undefined>;
  /** Writes a version of the private set (idempotent on `versionId`, Secrets Manager's ClientRequestToken). */
  writePrivate(value: string, versionId: string, stage: 'AWSCURRENT' | 'AWSPENDING'): Promise<void>;
  /** Replaces the published copy (the JWKS document the verify-only functions read). */
  writePublic(value: string): Promise<void>;
  /** Moves AWSCURRENT of the private set to `versionId`. */
  makeCurrent(versionId: string, fromVersionId: string | undefined): Promise<void>;
}

export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';
/** The steps in the order Secrets Manager asks for them. */
export const ROTATION_STEPS: readonly RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

/** A rotation request that cannot be carried out (the step fails, and Secrets Manager retries it later). */
export class RotationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RotationError';
  }
}

/**
 * Makes and rotates the access-token key set. The published copy always changes before the private
 * set does, so no function ever signs with a key that is not published yet. Every step may be run
 * more than once (Secrets Manager retries them) and does the same thing each time.
 */
export class KeyRotation {
  constructor(
    private readonly secrets: KeySetSecrets,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * At deploy time (a custom resource, synchronous): makes the first key set when the secret holds
   * none, and (re)publishes the public copy of whatever set is current.
   */
  async initialize(versionId: string): Promise<{ created: boolean; kids: string[] }> {
    const current = await parseKeySet(await this.secrets.readPrivate('AWSCURRENT'));
    const set = current ?? (await newKeySet(this.now()));
    await this.secrets.writePublic(JSON.stringify(publicJwks(set)));
    if (!current) await this.secrets.writePrivate(JSON.stringify(set), versionId, 'AWSCURRENT');
    return { created: !current, kids: set.keys.map((k) => k.kid) };
  }

  /**
   * The emergency lever (docs/operations.md "Replace every signing key"): three fresh keys in place
   * of the whole set, the old kids gone from the published copy in the same write. Written as the
   * rotation writes: the fresh set as version `versionId` (labelled AWSPENDING, which takes the label
   * from a scheduled rotation in flight, so that it can never bring the old set's `next` key back),
   * then published, tested, and made current. Idempotent on `versionId`.
   */
  async replace(versionId: string): Promise<{ kids: string[]; withdrawn: string[] }> {
    const { versions } = await this.secrets.describe();
    const current = Object.entries(versions).find(([, s]) => s.includes('AWSCURRENT'))?.[0];
    const currentSet = await parseKeySet(await this.secrets.readPrivate('AWSCURRENT'));
    if (current === versionId && currentSet) return { kids: currentSet.keys.map((k) => k.kid), withdrawn: [] };
    const pending = versions[versionId]?.includes('AWSPENDING')
      ? await parseKeySet(await this.secrets.readPrivate('AWSPENDING', versionId))
      : undefined;
    const fresh = pending ?? (await newKeySet(this.now()));
    if (!pending) await this.secrets.writePrivate(JSON.stringify(fresh), versionId, 'AWSPENDING');
    await this.secrets.writePublic(JSON.stringify(publicJwks(fresh)));
    await this.test(fresh);
    await this.secrets.makeCurrent(versionId, current);
    const kids = fresh.keys.map((k) => k.kid);
    return { kids, withdrawn: (currentSet?.keys ?? []).map((k) => k.kid).filter((kid) => !kids.includes(kid)) };
  }

  /** One step of Secrets Manager's four-step rotation protocol for version `token`. */
  async step(step: RotationStep, token: string): Promise<void> {
    const { rotationEnabled, versions } = await this.secrets.describe();
    if (!rotationEnabled) throw new RotationError('rotation is not enabled on the key set secret');
    const stages = versions[token];
    if (!stages) throw new RotationError(`version ${token} has no stage for rotation`);
    if (stages.includes('AWSCURRENT')) return; // already finished: a retry of a later step
    if (!stages.includes('AWSPENDING')) throw new RotationError(`version ${token} is not AWSPENDING`);
    if (step === 'createSecret') return this.create(token);
    const pending = await parseKeySet(await this.secrets.readPrivate('AWSPENDING', token));
    if (!pending) throw new RotationError(`version ${token} holds no valid key set`);
    if (step === 'setSecret') return this.secrets.writePublic(JSON.stringify(publicJwks(pending)));
    if (step === 'testSecret') return this.test(pending);
    const current = Object.entries(versions).find(([, s]) => s.includes('AWSCURRENT'))?.[0];
    await this.secrets.makeCurrent(token, current);
  }

  /** The pending set: the current one rotated, or a whole new set when the current one is unusable. */
  private async create(token: string): Promise<void> {
    if (await this.secrets.readPrivate('AWSPENDING', token)) return;
    const current = await parseKeySet(await this.secrets.readPrivate('AWSCURRENT'));
    const next = current ? await rotateKeySet(current, this.now()) : await newKeySet(this.now());
    await this.secrets.writePrivate(JSON.stringify(next), token, 'AWSPENDING');
  }

  /** Every key of the pending set signs, and verifies with its published half. */
  private async test(pending: KeySet): Promise<void> {
    const published = publicJwks(pending).keys;
    for (const label of ['previous', 'current', 'next'] as const) {
      const { kid, jwk } = keyOf(pending, label);
      const token = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid }).sign(await importJWK(jwk, 'RS256'));
      const pub = published.find((k) => k.kid === kid);
      if (!pub) throw new RotationError(`key ${kid} is not published`);
      await jwtVerify(token, await importJWK(pub, 'RS256'));
    }
  }
}
