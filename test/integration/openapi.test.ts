import { execFile } from 'node:child_process';
import { startApp, type TestApp } from '../support/app';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

describe('the OpenAPI document', () => {
  test('is valid OpenAPI 3.1, and docs/openapi.json is what the code makes (npm run openapi -- --check)', async () => {
    // A child process: the validator is an ES module that reads its own schema files.
    const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'dev/openapi-cli.ts', '--check'], (err, stdout, stderr) =>
        resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(out).toMatchObject({ code: 0, stdout: expect.stringContaining('valid OpenAPI 3.1') });
  });

  test('the dev server serves it at /openapi.json with itself as the server, and Swagger UI at /docs', async () => {
    const doc = (await (await fetch(`${app.url}/openapi.json`)).json()) as {
      openapi: string;
      servers: unknown;
      paths: object;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: app.url }]);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/auth/token', '/oauth2/token', '/users/me']));
    const page = await fetch(`${app.url}/docs`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('/docs/swagger-ui-bundle.js');
    expect(html).not.toMatch(/https?:\/\//); // nothing from a CDN
    expect(await (await fetch(`${app.url}/docs/init.js`)).text()).toContain("url: '/openapi.json'");
    const bundle = await fetch(`${app.url}/docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect(Number(bundle.headers.get('content-length'))).toBeGreaterThan(100_000);
  });
});
