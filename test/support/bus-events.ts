import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUDIT_EVENTS, type AuditEvent } from '../../functions/core/audit';
import { publishesEvents, routes } from '../../functions/routes';
import type { LoggedEvent } from '../../dev/event-log';

/**
 * The events each integration test file drives through the dev server (docs/events.md): the OAuth
 * ones in event-bus-oauth.test.ts, every other audit event in event-bus.test.ts.
 */
export const OAUTH_EVENTS: readonly AuditEvent[] = [
  'client_auth_failed',
  'client_token_issued',
  'client_registered',
  'authorization_code_issued',
  'authorization_code_reuse',
  'consent_granted',
  'consent_denied',
  'sso_logout',
];
export const SESSION_EVENTS: readonly AuditEvent[] = AUDIT_EVENTS.filter((e) => !OAUTH_EVENTS.includes(e));

/** The fields docs/events.md's table gives each event, and the three every detail has. */
export function documentedFields(): Record<string, string[]> {
  const text = readFileSync(join(process.cwd(), 'docs', 'events.md'), 'utf8');
  const rows = [...text.matchAll(/^\|\s*`([a-z_]+)`\s*\|\s*([a-z_, ]+?)\s*\|/gm)];
  return Object.fromEntries(
    rows.map(([, event, fields]) => [
      event,
      ['schema_version', 'occurred_at', 'event_id', ...fields.split(',').map((f) => f.trim())],
    ]),
  );
}

/** Every event the dev server has published so far (GET /_dev/events). */
export async function busEvents(url: string): Promise<LoggedEvent[]> {
  const res = await fetch(`${url}/_dev/events`);
  if (res.status !== 200) throw new Error(`/_dev/events answered ${res.status}`);
  return ((await res.json()) as { events: LoggedEvent[] }).events;
}

/** The functions the stack lets publish (lib/events.ts): the writing routes' and the mail worker. */
export const PUBLISHING_FUNCTIONS = [...routes.filter(publishesEvents).map((r) => r.name), 'mail-worker'];

/**
 * What every published event must be: EventBridge's envelope with our source, a detail of the
 * documented fields only, from a function the stack grants PutEvents, and none of `secrets`.
 */
export function expectWellFormed(events: readonly LoggedEvent[], secrets: readonly string[]): void {
  const fields = documentedFields();
  for (const e of events) {
    const type = e['detail-type'];
    expect([type, e.source, e.version]).toEqual([type, 'auth-api', '0']);
    const extra = Object.keys(e.detail).filter((k) => !(fields[type] ?? []).includes(k));
    expect([type, extra]).toEqual([type, []]);
    expect([type, e.detail.schema_version, e.detail.event_id]).toEqual([
      type,
      1,
      expect.stringMatching(/^[0-9a-f-]{36}$/),
    ]);
    expect([type, e.function, PUBLISHING_FUNCTIONS.includes(String(e.function))]).toEqual([type, e.function, true]);
  }
  const text = JSON.stringify(events);
  for (const secret of secrets.filter(Boolean)) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/\$2[aby]\$|\$argon2|username_hash|refresh_token=/);
}
