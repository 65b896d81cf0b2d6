// npm run api-docs: writes the README's table of the JSON API (between <!-- api-table:start --> and
// <!-- api-table:end -->) from the OpenAPI document the studio serves; test/api/readme.test.ts checks it is current.
import { readFileSync, writeFileSync } from 'node:fs';
import { apiTableMarkdown, buildOpenApiDocument } from '../src/platforms/web/openapi.js';

const README = new URL('../README.md', import.meta.url);
const START = '<!-- api-table:start (npm run api-docs writes this table from /api/v1/openapi.json) -->';
const END = '<!-- api-table:end -->';

const text = readFileSync(README, 'utf8');
const from = text.indexOf(START);
const to = text.indexOf(END);
if (from < 0 || to < from) throw new Error(`README.md has no ${START} ... ${END} markers`);
const table = apiTableMarkdown((await buildOpenApiDocument()) as never);
writeFileSync(README, `${text.slice(0, from + START.length)}\n${table}\n${text.slice(to)}`);
console.log('README.md: API table written');
