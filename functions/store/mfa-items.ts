import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Ciphertext, MfaStore, PendingMfa, SecondFactorUser } from '../core/mfa-ports';
import { READS, everySessionKey, pendingMfaKey, sessionKey, userKey } from './schema';
import { toSession } from './session-items';
import { type Item, call, conditional, fromSeconds, isConditionFailure, num, sameKey, toSeconds } from './table';
import { UserItems, toUser, withLever } from './user-items';

/** Only an enabled user's second factor changes (a disable that won the race keeps it as it was). */
const ENABLED = '(attribute_not_exists(disabled) OR disabled = :false)';
/** What turning TOTP off (or an operator's reset) removes. */
const SECOND_FACTOR_STATE = 'totp, totpEnabledAt, totpLastStep, totpPending, recoveryCodes, recoverySetAt';

function toPending(item: Item | undefined, now: number): PendingMfa | undefined {
  if (!item || fromSeconds(item.expiresAt) <= now) return undefined; // TTL deletion is lazy
  return {
    hash: String(item.hash),
    username: String(item.username),
    family: item.family as PendingMfa['family'],
    clientId: item.clientId as string | undefined,
    credentialVersion: item.credentialVersion as string | undefined,
    firstFactor: item.firstFactor as PendingMfa['firstFactor'],
    amr: (item.amr as PendingMfa['amr']) ?? [],
    place: item.place as PendingMfa['place'],
    expiresAt: fromSeconds(item.expiresAt),
  };
}

function toSecondFactorUser(item: Item | undefined): SecondFactorUser | undefined {
  const user = toUser(item);
  if (!user || !item) return undefined;
  return {
    ...user,
    totp: item.totp as Ciphertext | undefined,
    totpPending: item.totpPending as SecondFactorUser['totpPending'],
    totpLastStep: num(item.totpLastStep),
    recoveryCodes: item.recoveryCodes as Record<string, string> | undefined,
    recoverySetAt: num(item.recoverySetAt),
  };
}

/**
 * Second factors (docs/mfa.md): TOTP and recovery codes on the user item, each change one
 * conditional write, and the pending MFA steps (`MFA#<sha256 of token>`), used up by one
 * conditional delete.
 */
export class MfaItems extends UserItems implements MfaStore {
  async putPendingMfa(pending: PendingMfa): Promise<void> {
    await call(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...pendingMfaKey(pending.hash), ...pending, expiresAt: toSeconds(pending.expiresAt) },
        }),
      ),
    );
  }

  async getPendingMfa(hash: string, now: number): Promise<PendingMfa | undefined> {
    return toPending(await this.itemAt(pendingMfaKey(hash), READS.pendingMfa), now);
  }

  async consumePendingMfa(hash: string, now: number): Promise<PendingMfa | undefined> {
    try {
      const out = await call(() =>
        this.db.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: pendingMfaKey(hash),
            ConditionExpression: 'attribute_exists(pk) AND expiresAt > :now',
            ExpressionAttributeValues: { ':now': Math.floor(now / 1000) },
            ReturnValues: 'ALL_OLD',
          }),
        ),
      );
      return toPending(out.Attributes, now);
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }

  async restorePendingMfa(pending: PendingMfa): Promise<void> {
    await conditional(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...pendingMfaKey(pending.hash), ...pending, expiresAt: toSeconds(pending.expiresAt) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async getSessionAndSecondFactorUser(sid: string, username: string) {
    const keys = [sessionKey(sid), userKey(username), everySessionKey];
    const items = await this.batchGet(keys, READS.sessionAndSecondFactorUser);
    return {
      session: toSession(items.find((i) => sameKey(i, keys[0]))),
      user: withLever(
        toSecondFactorUser(items.find((i) => sameKey(i, keys[1]))),
        items.find((i) => sameKey(i, everySessionKey)),
      ),
    };
  }

  async getSecondFactorUser(username: string): Promise<SecondFactorUser | undefined> {
    // With the lever's item, as a login reads it: the session the MFA step starts records its generation.
    const keys = [userKey(username), everySessionKey];
    const items = await this.batchGet(keys, READS.secondFactorUser);
    return withLever(
      toSecondFactorUser(items.find((i) => sameKey(i, keys[0]))),
      items.find((i) => sameKey(i, everySessionKey)),
    );
  }

  async setTotpPending(username: string, pending: Ciphertext & { createdAt: number }): Promise<boolean> {
    return this.updateUser(username, 'SET totpPending = :p', `attribute_not_exists(totpEnabledAt) AND ${ENABLED}`, {
      ':p': pending,
    });
  }

  async enableTotp(username: string, change: Parameters<MfaStore['enableTotp']>[1]): Promise<boolean> {
    return this.updateUser(
      username,
      'SET totp = :s, totpEnabledAt = :at, totpLastStep = :step, recoveryCodes = :codes, recoverySetAt = :at, ' +
        'credentialVersion = :v REMOVE totpPending',
      `totpPending.createdAt = :pc AND attribute_not_exists(totpEnabledAt) AND ${ENABLED}`,
      {
        ':s': change.secret,
        ':at': change.at,
        ':step': change.step,
        ':codes': change.recoveryCodes,
        ':v': change.credentialVersion,
        ':pc': change.pendingCreatedAt,
      },
    );
  }

  async disableTotp(username: string, change: Parameters<MfaStore['disableTotp']>[1]): Promise<boolean> {
    const { proof } = change;
    const byStep = 'step' in proof;
    return this.updateUser(
      username,
      `SET credentialVersion = :v REMOVE ${SECOND_FACTOR_STATE}`,
      `totpEnabledAt = :e AND ${ENABLED} AND ` +
        (byStep ? '(attribute_not_exists(totpLastStep) OR totpLastStep < :step)' : 'recoveryCodes.#s = :h'),
      {
        ':v': change.credentialVersion,
        ':e': change.enabledAt,
        ...(byStep ? { ':step': proof.step } : { ':h': proof.hash }),
      },
      byStep ? undefined : { '#s': String(proof.slot) },
    );
  }

  async replaceRecoveryCodes(username: string, change: Parameters<MfaStore['replaceRecoveryCodes']>[1]) {
    return this.updateUser(
      username,
      'SET recoveryCodes = :c, recoverySetAt = :at',
      `totpEnabledAt = :e AND ${ENABLED}`,
      {
        ':c': change.codes,
        ':at': change.at,
        ':e': change.enabledAt,
      },
    );
  }

  async useTotpStep(username: string, { step, enabledAt }: { step: number; enabledAt: number }): Promise<boolean> {
    return this.updateUser(
      username,
      'SET totpLastStep = :step',
      `totpEnabledAt = :e AND ${ENABLED} AND (attribute_not_exists(totpLastStep) OR totpLastStep < :step)`,
      { ':step': step, ':e': enabledAt },
    );
  }

  async useRecoveryCode(username: string, { slot, hash }: { slot: number; hash: string }): Promise<boolean> {
    return this.updateUser(
      username,
      'REMOVE recoveryCodes.#s',
      `recoveryCodes.#s = :h AND ${ENABLED}`,
      { ':h': hash },
      {
        '#s': String(slot),
      },
    );
  }

  async restoreRecoveryCode(username: string, code: { slot: number; hash: string; setAt: number }): Promise<void> {
    await this.updateUser(
      username,
      'SET recoveryCodes.#s = :h',
      'attribute_not_exists(recoveryCodes.#s) AND recoverySetAt = :setAt',
      { ':h': code.hash, ':setAt': code.setAt },
      { '#s': String(code.slot) },
    );
  }

  /** The operator's reset (`npm run users -- mfa-reset`): TOTP, pending setup and codes go; a new version. */
  async resetSecondFactor(username: string, credentialVersion: string): Promise<boolean> {
    return this.updateUser(
      username,
      `SET credentialVersion = :v REMOVE ${SECOND_FACTOR_STATE}`,
      'attribute_exists(pk)',
      {
        ':v': credentialVersion,
      },
    );
  }

  /** One conditional update of a user item; false when the condition did not hold. */
  private updateUser(
    username: string,
    update: string,
    condition: string,
    values: Record<string, unknown>,
    names?: Record<string, string>,
  ): Promise<boolean> {
    const usesFalse = condition.includes(':false');
    return conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: userKey(username),
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeValues: { ...values, ...(usesFalse ? { ':false': false } : {}) },
          ...(names ? { ExpressionAttributeNames: names } : {}),
        }),
      ),
    );
  }
}
