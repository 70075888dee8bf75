import type { KeySetSecrets } from '../core/key-rotation';
import { parseKeySet } from '../core/keys';

/**
 * The key set of a local run (the dev server, tests), when the emergency lever of
 * docs/operations.md replaced the one it started with (`SIGNING_KEYS`). Deployed functions never use
 * it: their keys come from Secrets Manager, and there the lever rewrites the secrets.
 * `generation` lets the key caches of store/keys.ts see a replacement at once.
 */
let replaced: string | undefined;
let generation = 0;

/** The local private key set as JSON: the replacement if there is one, else what the process started with. */
export const localSigningKeys = (startedWith: string | undefined): string | undefined => replaced ?? startedWith;

/** How many times the local key set was replaced: a cache made before the last replacement is stale. */
export const localKeyGeneration = (): number => generation;

/**
 * The rotation's port (core/key-rotation.ts) over the local key set, so that the dev server pulls the
 * lever through the very code that pulls it against Secrets Manager. There is one version, current;
 * the published copy is derived from the private set, so publishing has nothing to write.
 */
export function localKeySetSecrets(
  startedWith: string | undefined,
): KeySetSecrets & { startRotation(token: string): void } {
  const pending = new Map<string, string>();
  return {
    /**
     * What Secrets Manager does when a rotation starts (RotateSecret): a new version, labelled
     * AWSPENDING and holding nothing yet, for the rotation's four steps to fill and promote.
     */
    startRotation: (token) => {
      pending.set(token, '');
    },
    describe: async () => ({
      // The dev server rotates on demand (npm run keys -- rotate --dev-server), never on a schedule.
      rotationEnabled: true,
      versions: {
        [`local-${generation}`]: ['AWSCURRENT'],
        ...Object.fromEntries([...pending.keys()].map((v) => [v, ['AWSPENDING']])),
      },
    }),
    readPrivate: async (stage, versionId) =>
      stage === 'AWSCURRENT' ? localSigningKeys(startedWith) : versionId ? pending.get(versionId) : undefined,
    writePrivate: async (value, versionId, stage) => {
      if (stage === 'AWSPENDING') pending.set(versionId, value);
    },
    writePublic: async () => {},
    makeCurrent: async (versionId) => {
      const value = pending.get(versionId);
      if (!(await parseKeySet(value))) throw new Error(`local key set version ${versionId} holds no key set`);
      pending.delete(versionId);
      replaced = value;
      generation++;
    },
  };
}
