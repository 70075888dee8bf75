import type { Ciphertext, MfaStore, PendingMfa, SecondFactorUser } from '../../functions/core/mfa-ports';
import { MemoryStore } from './memory-store';

/** The MemoryStore with the second factors' writes, each atomic as its conditional write on DynamoDB is. */
export class MemoryMfaStore extends MemoryStore implements MfaStore {
  private factor(username: string): SecondFactorUser | undefined {
    return this.users.get(username) as SecondFactorUser | undefined;
  }
  private enabled(username: string): SecondFactorUser | undefined {
    const u = this.factor(username);
    return u && !u.disabled ? u : undefined;
  }

  async getSessionAndSecondFactorUser(sid: string, username: string) {
    await this.step('getSessionAndSecondFactorUser');
    const user = this.withLever(this.copy(this.factor(username))) as SecondFactorUser | undefined;
    return { session: this.copy(this.sessions.get(sid)), user };
  }
  async getSecondFactorUser(username: string) {
    await this.step('getSecondFactorUser');
    return this.copy(this.factor(username));
  }
  async setTotpPending(username: string, pending: Ciphertext & { createdAt: number }) {
    await this.step('setTotpPending');
    const u = this.enabled(username);
    if (!u || u.totpEnabledAt !== undefined) return false;
    u.totpPending = structuredClone(pending);
    return true;
  }
  async enableTotp(username: string, change: Parameters<MfaStore['enableTotp']>[1]) {
    await this.step('enableTotp');
    const u = this.enabled(username);
    if (!u || u.totpEnabledAt !== undefined || u.totpPending?.createdAt !== change.pendingCreatedAt) return false;
    Object.assign(u, {
      totp: change.secret,
      totpEnabledAt: change.at,
      totpLastStep: change.step,
      recoveryCodes: { ...change.recoveryCodes },
      recoverySetAt: change.at,
      credentialVersion: change.credentialVersion,
    });
    delete u.totpPending;
    return true;
  }
  async disableTotp(username: string, change: Parameters<MfaStore['disableTotp']>[1]) {
    await this.step('disableTotp');
    const u = this.enabled(username);
    if (!u || u.totpEnabledAt !== change.enabledAt) return false;
    const p = change.proof;
    if ('step' in p ? (u.totpLastStep ?? -1) >= p.step : u.recoveryCodes?.[String(p.slot)] !== p.hash) return false;
    this.clear(u);
    u.credentialVersion = change.credentialVersion;
    return true;
  }
  async replaceRecoveryCodes(username: string, change: Parameters<MfaStore['replaceRecoveryCodes']>[1]) {
    await this.step('replaceRecoveryCodes');
    const u = this.enabled(username);
    if (!u || u.totpEnabledAt !== change.enabledAt) return false;
    Object.assign(u, { recoveryCodes: { ...change.codes }, recoverySetAt: change.at });
    return true;
  }
  async useTotpStep(username: string, { step, enabledAt }: { step: number; enabledAt: number }) {
    await this.step('useTotpStep');
    const u = this.enabled(username);
    if (!u || u.totpEnabledAt !== enabledAt || (u.totpLastStep ?? -1) >= step) return false;
    u.totpLastStep = step;
    return true;
  }
  async useRecoveryCode(username: string, { slot, hash }: { slot: number; hash: string }) {
    await this.step('useRecoveryCode');
    const u = this.enabled(username);
    if (!u?.recoveryCodes || u.recoveryCodes[String(slot)] !== hash) return false;
    delete u.recoveryCodes[String(slot)];
    return true;
  }
  async restoreRecoveryCode(username: string, code: { slot: number; hash: string; setAt: number }) {
    await this.step('restoreRecoveryCode');
    const u = this.factor(username);
    if (!u?.recoveryCodes || u.recoverySetAt !== code.setAt || u.recoveryCodes[String(code.slot)]) return;
    u.recoveryCodes[String(code.slot)] = code.hash;
  }
  async getPendingMfa(hash: string, now: number) {
    await this.step('getPendingMfa');
    const p = this.pending.get(hash);
    return p && p.expiresAt > now ? this.copy(p) : undefined;
  }
  async consumePendingMfa(hash: string, now: number) {
    await this.step('consumePendingMfa');
    const p = this.pending.get(hash);
    if (!p || p.expiresAt <= now) return undefined;
    this.pending.delete(hash);
    return p;
  }
  async restorePendingMfa(pending: PendingMfa) {
    await this.step('restorePendingMfa');
    if (!this.pending.has(pending.hash)) this.pending.set(pending.hash, structuredClone(pending));
  }
  private clear(u: SecondFactorUser) {
    for (const k of ['totp', 'totpEnabledAt', 'totpLastStep', 'totpPending', 'recoveryCodes', 'recoverySetAt'] as const)
      delete u[k];
  }
}
