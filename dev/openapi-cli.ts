import { readFileSync, writeFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { openApiDocument } from './openapi';

/**
 * `npm run openapi`: writes docs/openapi.json (the document the dev server serves, for the default
 * local address). `npm run openapi -- --check`: exits 1 unless the document is valid OpenAPI 3.1 and
 * docs/openapi.json is up to date. Run from the project root.
 */
const FILE = 'docs/openapi.json';
const text = `${JSON.stringify(openApiDocument('http://127.0.0.1:8000'), null, 2)}\n`;
const result = await new Validator().validate(JSON.parse(text));
if (!result.valid) {
  console.error(`openapi: the document is not valid OpenAPI 3.1:\n${JSON.stringify(result.errors, null, 2)}`);
  process.exit(1);
}
if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(FILE, 'utf8');
  } catch {
    // absent: reported below
  }
  if (committed !== text) {
    console.error(`openapi: ${FILE} is not up to date: run npm run openapi`);
    process.exit(1);
  }
  console.log(`openapi: valid OpenAPI 3.1, ${FILE} up to date`);
} else {
  writeFileSync(FILE, text);
  console.log(`openapi: wrote ${FILE}`);
}
