import type { PasskeyStore, StoredPasskey, WebAuthnChallenge } from '../../functions/core/passkey-ports';
import { MemoryMfaStore } from './memory-mfa-store';

/**
 * The MemoryMfaStore with passkeys and WebAuthn challenges, each write atomic and conditional as its
 * DynamoDB request is (functions/store/passkey-items.ts): for the PasskeyService's unit tests.
 */
export class MemoryPasskeyStore extends MemoryMfaStore implements PasskeyStore {
  passkeys = new Map<string, StoredPasskey>();
  challenges = new Map<string, WebAuthnChallenge>();

  async getPasskeyUser(username: string) {
    await this.step('getPasskeyUser');
    return this.withLever(this.copy(this.users.get(username)));
  }
  async ensureUserHandle(username: string, candidate: string) {
    await this.step('ensureUserHandle');
    const user = this.users.get(username);
    if (!user) return undefined;
    user.userHandle ??= candidate;
    return user.userHandle;
  }
  async listPasskeys(username: string) {
    await this.step('listPasskeys');
    return [...this.passkeys.values()]
      .filter((p) => p.username === username)
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((p) => structuredClone(p));
  }
  async countPasskeys(username: string) {
    return (await this.listPasskeys(username)).length;
  }
  async getPasskey(id: string) {
    await this.step('getPasskey');
    return this.copy(this.passkeys.get(id));
  }
  async putPasskey(passkey: StoredPasskey) {
    await this.step('putPasskey');
    if (this.passkeys.has(passkey.id)) return false;
    this.passkeys.set(passkey.id, structuredClone(passkey));
    return true;
  }
  async usePasskey(id: string, { expected, counter, at }: { expected: number; counter: number; at: number }) {
    await this.step('usePasskey');
    const p = this.passkeys.get(id);
    if (!p || p.counter !== expected || p.cloneSuspectedAt !== undefined) return false;
    Object.assign(p, { counter, lastUsedAt: at });
    return true;
  }
  async flagClone(id: string, at: number) {
    await this.step('flagClone');
    const p = this.passkeys.get(id);
    if (p) p.cloneSuspectedAt ??= at;
  }
  async renamePasskey(id: string, username: string, name: string) {
    await this.step('renamePasskey');
    const p = this.passkeys.get(id);
    if (!p || p.username !== username) return undefined;
    p.name = name;
    return structuredClone(p);
  }
  async deletePasskey(id: string, username: string) {
    await this.step('deletePasskey');
    const p = this.passkeys.get(id);
    if (!p || p.username !== username) return undefined;
    this.passkeys.delete(id);
    return p;
  }
  async restorePasskey(passkey: StoredPasskey) {
    await this.putPasskey(passkey);
  }
  async setCredentialVersion(username: string, credentialVersion: string) {
    await this.step('setCredentialVersion');
    const user = this.users.get(username);
    if (!user || user.disabled) return false;
    user.credentialVersion = credentialVersion;
    return true;
  }
  async putChallenge(challenge: WebAuthnChallenge) {
    await this.step('putChallenge');
    this.challenges.set(challenge.challenge, structuredClone(challenge));
  }
  async consumeChallenge(challenge: string, now: number) {
    await this.step('consumeChallenge');
    const c = this.challenges.get(challenge);
    if (!c) return undefined;
    this.challenges.delete(challenge);
    // An expired item may outlive its TTL (DynamoDB deletes within days): read as absent.
    return c.expiresAt > now ? c : undefined;
  }
  async restoreChallenge(challenge: WebAuthnChallenge) {
    await this.step('restoreChallenge');
    if (!this.challenges.has(challenge.challenge)) this.challenges.set(challenge.challenge, structuredClone(challenge));
  }
  // The admin commands' passkey changes, on the passkeys themselves (MemoryStore keeps only owners).
  override async removePasskeys(username: string) {
    await this.step('removePasskeys');
    const mine = [...this.passkeys.values()].filter((p) => p.username === username);
    for (const p of mine) this.passkeys.delete(p.id);
    return mine.length;
  }
  override async movePasskeys(from: string, to: string) {
    await this.step('movePasskeys');
    const theirs = [...this.passkeys.values()].filter((p) => p.username === from);
    for (const p of theirs) p.username = to;
    return theirs.length;
  }
}
