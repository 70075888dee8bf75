import type { KeyPrefix, TableAccess, TableAction, UserAccess } from '../functions/routes';
import {
  INDEX_KEY_ATTRIBUTES,
  ITEM_ATTRIBUTES,
  KEY_ATTRIBUTES,
  PASSWORD_HASH_ATTRIBUTE,
  SECOND_FACTOR_ATTRIBUTES,
  USER_PROFILE_ATTRIBUTES,
} from '../functions/store/schema';

/** One IAM statement of a function's table access (lib/route-function.ts turns it into policy). */
export interface TableStatement {
  actions: TableAction[];
  prefixes: KeyPrefix[];
  /** On the sessions index (Query), not the table. */
  index: boolean;
  /** `dynamodb:Attributes`: every attribute a request may name (keys, projection, update, condition). */
  attributes: string[];
  /** A read: `dynamodb:Select`, when present, must be SPECIFIC_ATTRIBUTES (every read projects). */
  read: boolean;
  /** `dynamodb:ReturnValues` allowed (writes of user items: never ALL_OLD or ALL_NEW, which return the hash). */
  returnValues?: readonly string[];
}

const READ_ACTIONS: readonly TableAction[] = ['GetItem', 'BatchGetItem', 'Query'];
const USER_WRITE_RETURN_VALUES = ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] as const;

/**
 * A function's table access as IAM statements (docs/security.md "Least privilege"): per action the
 * item kinds of the route table (`dynamodb:LeadingKeys`) and, per statement, the attributes those
 * kinds may show (`dynamodb:Attributes`): reads never the password hash unless `readsPasswordHash`,
 * writes of user items only the attributes in `writes`. Reads and writes never share a statement,
 * and a write of a user item has a statement of its own (its ReturnValues are held).
 */
export function tableStatements(access: TableAccess, user: UserAccess = {}): TableStatement[] {
  const groups = new Map<string, TableStatement>();
  for (const [action, prefixes] of Object.entries(access) as [TableAction, readonly KeyPrefix[]][]) {
    const read = READ_ACTIONS.includes(action);
    const index = action === 'Query';
    const sets = read ? [prefixes] : [prefixes.filter((p) => p === 'USER#'), prefixes.filter((p) => p !== 'USER#')];
    for (const set of sets.filter((s) => s.length > 0)) {
      const sorted = [...set].sort();
      const key = `${index}|${read}|${sorted.join(',')}`;
      const group = groups.get(key) ?? {
        actions: [],
        prefixes: sorted,
        index,
        attributes: attributesOf(sorted, { read, index, user }),
        read,
        ...(!read && sorted.includes('USER#') ? { returnValues: USER_WRITE_RETURN_VALUES } : {}),
      };
      group.actions.push(action);
      groups.set(key, group);
    }
  }
  return [...groups.values()];
}

function attributesOf(
  prefixes: readonly KeyPrefix[],
  { read, index, user }: { read: boolean; index: boolean; user: UserAccess },
): string[] {
  const names = new Set<string>(KEY_ATTRIBUTES);
  if (index) for (const name of INDEX_KEY_ATTRIBUTES) names.add(name);
  for (const prefix of prefixes) {
    if (index) continue; // the index holds keys only
    if (prefix === 'USER#') {
      const writes = user.writes ?? [];
      if (!read && writes.length === 0) throw new Error('a function that writes user items must list the attributes');
      const userNames = read
        ? [
            ...USER_PROFILE_ATTRIBUTES,
            ...(user.readsPasswordHash ? [PASSWORD_HASH_ATTRIBUTE] : []),
            ...(user.readsSecondFactor ? SECOND_FACTOR_ATTRIBUTES : []),
          ]
        : writes;
      for (const name of userNames) names.add(name);
      continue;
    }
    for (const name of ITEM_ATTRIBUTES[prefix]) names.add(name);
    // A session or passkey item is written with its place on the index.
    if ((prefix === 'SESSION#' || prefix === 'PASSKEY#') && !read)
      for (const name of INDEX_KEY_ATTRIBUTES) names.add(name);
  }
  return [...names].sort();
}
