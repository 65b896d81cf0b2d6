// Writes .env.example from the environment schema: `npm run env-example` after adding or changing a variable.
import { writeFileSync } from 'node:fs';
import { envExample } from '../src/config-example.js';

writeFileSync(new URL('../.env.example', import.meta.url), envExample());
console.log('wrote .env.example');
