import { randomUUID } from 'node:crypto';
import type { Audit, AuditEvent } from './audit';

/**
 * The events every audit line is also published as (docs/events.md): Amazon EventBridge's envelope
 * with `source` EVENT_SOURCE, `detail-type` the audit event's name and `detail` these fields. The
 * fields are an allow-list: whatever else an audit call carries (the keyed hash of an unknown
 * username) stays in the log. No audit call is ever given a password, a token or a hash.
 */
export const EVENT_SOURCE = 'auth-api';

/** Bumped only for a change a rule or consumer could trip on (a field renamed or removed). */
export const EVENT_SCHEMA_VERSION = 1;

export const DETAIL_FIELDS = [
  'username',
  'sid',
  'reason',
  'method',
  'revoked',
  'remaining',
  'credential_id',
  'client_id',
  'scope',
  'sso',
  'source_ip',
  'user_agent',
] as const;

export type DetailField = (typeof DETAIL_FIELDS)[number];

/**
 * An event's `detail`: the schema's version, when it happened, its own id (the same on a PutEvents
 * the SDK sent again, unlike the envelope's `id`: what a receiver deduplicates on), and the fields
 * its audit call set.
 */
export type EventDetail = { schema_version: number; occurred_at: string; event_id: string } & Partial<
  Record<DetailField, string | number | boolean>
>;

/** A user agent is the caller's to choose: kept to this many characters, far under PutEvents' 256 KB. */
export const MAX_USER_AGENT = 512;

/** The detail of one audit event, from the fields its audit call passed. */
export function eventDetail(fields: Parameters<Audit>[1], nowMs: number): EventDetail {
  const { sourceIp, userAgent, ...rest } = fields;
  const named: Record<string, unknown> = {
    ...rest,
    source_ip: sourceIp,
    user_agent: userAgent?.slice(0, MAX_USER_AGENT),
  };
  const detail: EventDetail = {
    schema_version: EVENT_SCHEMA_VERSION,
    occurred_at: new Date(nowMs).toISOString(),
    event_id: randomUUID(),
  };
  for (const field of DETAIL_FIELDS) {
    const value = named[field];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') detail[field] = value;
  }
  return detail;
}

/** One event ready for the bus (PutEvents' entry, without the bus's name). */
export interface BusEvent {
  detailType: AuditEvent;
  detail: EventDetail;
  time: Date;
}
