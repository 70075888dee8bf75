import { ServiceUnavailableError } from '../../functions/core/errors';
import type { AuthStore, SessionRecord, UserAdminStore, UserRecord } from '../../functions/core/ports';

/** An in-memory AuthStore/UserAdminStore for unit tests; `failing` makes every call a store outage. */
export class MemoryStore implements AuthStore, UserAdminStore {
  users = new Map<string, UserRecord>();
  sessions = new Map<string, SessionRecord>();
  failing = false;
  calls = 0;

  private touch() {
    this.calls++;
    if (this.failing) throw new ServiceUnavailableError('store');
  }

  async getUser(username: string) {
    this.touch();
    return this.users.get(username);
  }
  async getSessionAndUser(sid: string, username: string) {
    this.touch();
    return { session: this.sessions.get(sid), user: this.users.get(username) };
  }
  async putSession(session: SessionRecord) {
    this.touch();
    this.sessions.set(session.sid, { ...session });
  }
  async deleteSessions(sids: string[]) {
    this.touch();
    for (const sid of sids) this.sessions.delete(sid);
  }
  async putUser(user: UserRecord, overwrite: boolean) {
    this.touch();
    if (this.users.has(user.username) && !overwrite) return false;
    this.users.set(user.username, { ...user });
    return true;
  }
  async setDisabled(username: string, disabled: boolean, endSessionsAt?: number) {
    this.touch();
    const user = this.users.get(username);
    if (!user) return false;
    this.users.set(username, { ...user, disabled, ...(endSessionsAt === undefined ? {} : { sessionsValidAfter: endSessionsAt }) });
    return true;
  }
  async deleteUser(username: string) {
    this.touch();
    return this.users.delete(username);
  }
  async listUsers() {
    this.touch();
    return [...this.users.values()];
  }
}
