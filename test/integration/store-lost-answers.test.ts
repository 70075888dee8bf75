import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { throttleKey } from '../../functions/store/schema';
import { startApp, type TestApp } from '../support/app';
import { claimsOf, login, refreshCookieOf, request, attemptLogin } from '../support/http';

/**
 * Writes that landed but whose answer never came back. Apart from the other store faults on
 * purpose: the SDK's retry quota is per client and shrinks with every retried failure, and these
 * tests rely on the SDK retrying once, as a fresh Lambda's client would.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startApp({ DYNAMODB_MAX_ATTEMPTS: '2' });
});
afterAll(() => app.close());

const freshUser = () => app.freshUser('pw-fault');
const refresh = (cookie: string) => request(`${app.url}/auth/refresh`, 'POST', { cookie });

describe('writes whose answer was lost', () => {
  test.each([
    ['username', 1],
    ['IP', 2],
  ])(
    "a failed login whose %s place landed but whose answer was lost is counted once (the SDK's retry is recognised)",
    async (kind, nth) => {
      const u = await freshUser();
      const ipKey = throttleKey({ kind: 'ip', ip: '127.0.0.1' });
      const ipBefore = Number(
        (await app.db.send(new GetCommand({ TableName: app.tableName, Key: ipKey }))).Item?.failures ?? 0,
      );
      // The two places are taken in parallel, the username's first: the nth UpdateItem is the one.
      app.proxy.inject({ op: 'UpdateItem', mode: 'lose-response', nth, times: 1 });
      const reply = await attemptLogin(app.url, u, 'wrong');
      app.proxy.restore();
      expect(reply.status).toBe(401);
      const user = await app.db.send(
        new GetCommand({
          TableName: app.tableName,
          Key: throttleKey({ kind: 'user', username: u }),
          ConsistentRead: true,
        }),
      );
      const ip = await app.db.send(new GetCommand({ TableName: app.tableName, Key: ipKey, ConsistentRead: true }));
      expect([kind, user.Item?.failures, Number(ip.Item?.failures) - ipBefore]).toEqual([kind, 1, 1]);
    },
  );

  test('a login whose write landed but whose answer was lost logs in once (the SDK retry finds its item)', async () => {
    const u = await freshUser();
    app.proxy.inject({ op: 'PutItem', mode: 'lose-response', times: 1 });
    const reply = await attemptLogin(app.url, u, 'pw-fault');
    app.proxy.restore();
    expect(reply.status).toBe(200);
    const sessions = await app.sessionsOf(u);
    expect(sessions).toHaveLength(1);
    expect(sessions[0].pk).toBe(`SESSION#${claimsOf(refreshCookieOf(reply)!).sid}`);
  });

  test('a rotation that landed but whose answer was lost answers the successor (retry meets grace)', async () => {
    const s = await login(app.url, await freshUser(), 'pw-fault');
    app.proxy.inject({ op: 'UpdateItem', mode: 'lose-response', times: 1 });
    const reply = await refresh(s.refresh);
    app.proxy.restore();
    expect(reply.status).toBe(200);
    expect(await app.session(s.sid)).toMatchObject({
      jti: claimsOf(refreshCookieOf(reply)!).jti,
      prevJti: claimsOf(s.refresh).jti,
    });
  });

  test('when every answer is lost the client gets 503, and its retry gets the successor the store holds', async () => {
    const s = await login(app.url, await freshUser(), 'pw-fault');
    app.proxy.inject({ op: 'UpdateItem', mode: 'lose-response' });
    const lost = await refresh(s.refresh);
    app.proxy.restore();
    expect(lost.status).toBe(503);
    const retry = await refresh(s.refresh);
    expect(retry.status).toBe(200);
    expect(await app.session(s.sid)).toMatchObject({ jti: claimsOf(refreshCookieOf(retry)!).jti });
    expect((await refresh(refreshCookieOf(retry)!)).status).toBe(200);
  });
});
