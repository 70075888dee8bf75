import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { openApiDocument } from '../../dev/openapi';

// Every response the integration tests receive is checked against the OpenAPI document (ajv's
// 2020-12 build: OpenAPI 3.1 schemas are JSON Schema 2020-12), so the document cannot drift from
// what the code answers. Paths only the dev server has (/, /openapi.json, /docs) are not in it.

// biome-ignore lint/suspicious/noExplicitAny: a parsed OpenAPI document, walked by key
type Json = Record<string, any>;
const doc = openApiDocument('http://localhost') as Json;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const compiled = new Map<string, ValidateFunction>();
const DEV_ONLY = /^\/(|openapi\.json|docs(\/.*)?|_dev\/.*)$/;

const templates = Object.keys(doc.paths).map((path) => ({
  path,
  pattern: new RegExp(`^${path.replace(/\{[^/]+\}/g, '[^/]+')}$`),
}));

/** Why this response breaks the document, or undefined when it conforms. */
export function openApiProblem(
  method: string,
  url: string,
  status: number,
  headers: Headers,
  text: string,
): string | undefined {
  const { pathname } = new URL(url);
  if (method.toUpperCase() === 'OPTIONS' || DEV_ONLY.test(pathname)) return undefined;
  const template = templates.find((t) => t.pattern.test(pathname))?.path;
  const operation = template ? doc.paths[template][method.toLowerCase()] : undefined;
  if (!operation) {
    // The catch-all route: described in the document's info, answered the same everywhere.
    const expected = template ? [405, 'Method Not Allowed'] : [404, 'Not Found'];
    const body = safeJson(text);
    return status === expected[0] && body?.detail === expected[1]
      ? undefined
      : `${method} ${pathname}: not in the document, and not the catch-all's ${expected[0]} (got ${status} ${text})`;
  }
  const response = operation.responses[String(status)];
  if (!response) return `${method} ${template}: status ${status} is not documented (${text.slice(0, 200)})`;
  for (const [name, h] of Object.entries<Json>(response.headers ?? {})) {
    if (h.required && headers.get(name) === null && !(name === 'Set-Cookie' && headers.getSetCookie().length > 0))
      return `${method} ${template} ${status}: header ${name} is missing`;
  }
  // A hosted page: HTML, whose contract is its headers (checked by the tests that render it).
  if (response.content?.['text/html'])
    return headers.get('content-type')?.startsWith('text/html')
      ? undefined
      : `${method} ${template} ${status}: content type ${headers.get('content-type')}, documented HTML`;
  const schema = response.content?.['application/json']?.schema;
  if (!schema) return text === '' ? undefined : `${method} ${template} ${status}: a body where none is documented`;
  if (!headers.get('content-type')?.startsWith('application/json'))
    return `${method} ${template} ${status}: content type ${headers.get('content-type')}, documented JSON`;
  const key = `${method} ${template} ${status}`;
  let validate = compiled.get(key);
  if (!validate) {
    // The schema's $refs point into the document's components: compile it beside them.
    validate = ajv.compile({ ...schema, components: doc.components });
    compiled.set(key, validate);
  }
  const body = safeJson(text);
  if (body === undefined) return `${key}: the body is not JSON (${text.slice(0, 200)})`;
  return validate(body) ? undefined : `${key}: ${ajv.errorsText(validate.errors)} in ${text.slice(0, 300)}`;
}

function safeJson(text: string): Json | undefined {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
