import { hashPassword } from '../functions/core/passwords';
import type { UserAdminStore } from '../functions/core/ports';
import { usernameSkeleton } from '../functions/core/username-skeleton';

/** The demo users of docs/http-contract.md; they exist only in the local dev server. */
export const DEMO_USERS = [
  { username: 'johndoe', password: 'secret', fullName: 'John Doe', email: 'johndoe@example.com', disabled: false },
  { username: 'alice', password: 'secret2', fullName: 'Alice Wonderson', email: 'alice@example.com', disabled: true },
] as const;

/** Adds the demo users that are absent; never overwrites an existing user. */
export async function seedDemoUsers(store: UserAdminStore, bcryptCost: number): Promise<string[]> {
  const added: string[] = [];
  for (const u of DEMO_USERS) {
    const { password, ...profile } = u;
    const created = await store.putUser(
      { ...profile, passwordHash: await hashPassword(password, bcryptCost), createdAt: Date.now() },
      { overwrite: false },
    );
    // Claimed like any new user's name, so a look-alike sign-up is refused locally as deployed.
    await store.claimName(usernameSkeleton(u.username), u.username);
    if (created) added.push(u.username);
  }
  return added;
}
