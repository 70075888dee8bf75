import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUDIT_EVENTS } from '../../functions/core/audit';
import { type BusEvent, DETAIL_FIELDS, MAX_USER_AGENT, eventDetail } from '../../functions/core/event-schema';
import { type EventSink, queueEvent, useLocalEventSink, withEvents } from '../../functions/http/events';
import { documentedFields } from '../support/bus-events';

// The event schema (docs/events.md) and the per-invocation publishing of functions/http/events.ts,
// with an in-memory sink of our own interface. The EventBridge adapter itself is tested against a
// local PutEvents endpoint (test/integration/event-bridge-sink.test.ts).

/** A sink that keeps each put, or fails as told. */
function fakeSink(answer: () => Promise<{ lost: number; errorName?: string }> = async () => ({ lost: 0 })) {
  const puts: { events: BusEvent[]; functionName?: string }[] = [];
  const sink: EventSink = {
    put: async (events, origin) => {
      puts.push({ events: [...events], functionName: origin.functionName });
      return answer();
    },
  };
  useLocalEventSink(sink);
  return puts;
}
afterEach(() => useLocalEventSink(undefined));
const types = (events: BusEvent[]) => events.map((e) => e.detailType);
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('the schema', () => {
  test('docs/events.md lists every audit event, in order, with known fields only', () => {
    const documented = documentedFields();
    expect(Object.keys(documented)).toEqual([...AUDIT_EVENTS]);
    const allowed = ['schema_version', 'occurred_at', 'event_id', ...DETAIL_FIELDS];
    for (const [event, fields] of Object.entries(documented))
      expect([event, fields.filter((f) => !allowed.includes(f))]).toEqual([event, []]);
    const text = readFileSync(join(process.cwd(), 'docs', 'events.md'), 'utf8');
    for (const field of DETAIL_FIELDS) expect(text).toContain(`\`${field}\``);
  });

  test('a detail keeps the allowed fields only: no keyed username hash, nothing unknown, the agent cut', () => {
    const now = Date.UTC(2026, 11, 7, 9, 0, 0, 5);
    const fields = {
      username_hash: 'k3y3d',
      reason: 'unknown_user',
      revoked: 0,
      sso: false,
      sourceIp: '203.0.113.7',
      userAgent: 'x'.repeat(MAX_USER_AGENT + 100),
      password: 'never',
      token: { nested: true },
    } as unknown as Parameters<typeof eventDetail>[0];
    const detail = eventDetail(fields, now);
    expect(detail).toEqual({
      schema_version: 1,
      occurred_at: '2026-12-07T09:00:00.005Z',
      event_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      reason: 'unknown_user',
      revoked: 0,
      sso: false,
      source_ip: '203.0.113.7',
      user_agent: 'x'.repeat(MAX_USER_AGENT),
    });
    expect(eventDetail({ username: 'ann' }, now).event_id).not.toBe(eventDetail({ username: 'ann' }, now).event_id);
  });
});

describe('publishing, once per invocation', () => {
  test("an invocation's events go in one put, in order, when it ends, and only then", async () => {
    const puts = fakeSink();
    let during = -1;
    const result = await withEvents({ functionName: 'token' }, async () => {
      queueEvent('login_failed', { username: 'ann', reason: 'bad_password' });
      queueEvent('login_locked', { username: 'ann' });
      await tick();
      during = puts.length;
      return 'answer';
    });
    expect([result, during]).toEqual(['answer', 0]);
    expect(puts.map((p) => [p.functionName, types(p.events)])).toEqual([['token', ['login_failed', 'login_locked']]]);
  });

  test('an invocation that throws still publishes what it audited (a refusal is an event too)', async () => {
    const puts = fakeSink();
    const run = withEvents({}, async () => {
      queueEvent('mfa_failed', { username: 'ann', reason: 'bad_code' });
      throw new Error('invalid_code');
    });
    await expect(run).rejects.toThrow('invalid_code');
    expect(puts.map((p) => types(p.events))).toEqual([['mfa_failed']]);
  });

  test('concurrent invocations keep their own events (the dev server runs many at once)', async () => {
    const puts = fakeSink();
    const invocation = (name: string, n: number) =>
      withEvents({ functionName: name }, async () => {
        for (let i = 0; i < n; i++) {
          queueEvent('refresh', { username: name });
          await tick();
        }
      });
    await Promise.all([invocation('a', 3), invocation('b', 2)]);
    const byFunction = Object.fromEntries(puts.map((p) => [p.functionName, p.events.map((e) => e.detail.username)]));
    expect(byFunction).toEqual({ a: ['a', 'a', 'a'], b: ['b', 'b'] });
  });

  test('nothing audited: no put at all', async () => {
    const puts = fakeSink();
    await withEvents({}, async () => 'read only');
    expect(puts).toEqual([]);
  });

  test('a sink that fails or refuses entries: the answer stands, the losses are reported', async () => {
    const lost: number[] = [];
    fakeSink(async () => {
      throw Object.assign(new Error('down'), { name: 'ServiceUnavailable' });
    });
    await expect(
      withEvents(
        {},
        async () => {
          queueEvent('signup', { username: 'ann' });
          queueEvent('logout', { username: 'ann' });
          return 201;
        },
        (n) => lost.push(n),
      ),
    ).resolves.toBe(201);
    fakeSink(async () => ({ lost: 1 }));
    await withEvents(
      {},
      async () => queueEvent('signup', { username: 'bo' }),
      (n) => lost.push(n),
    );
    expect(lost).toEqual([2, 1]);
  });

  test('outside an invocation, or with nowhere to send, nothing is queued', async () => {
    const puts = fakeSink();
    expect(() => queueEvent('signup', { username: 'ann' })).not.toThrow();
    await withEvents({}, async () => undefined);
    expect(puts).toEqual([]);
    useLocalEventSink(undefined);
    const before = process.env.EVENT_BUS;
    delete process.env.EVENT_BUS;
    const lost: number[] = [];
    await withEvents(
      {},
      async () => queueEvent('signup', { username: 'ann' }),
      (n) => lost.push(n),
    );
    expect(lost).toEqual([]);
    if (before !== undefined) process.env.EVENT_BUS = before;
  });
});
