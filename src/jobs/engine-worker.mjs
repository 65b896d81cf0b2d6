// Bootstrap of an engine worker thread: our code is TypeScript, so register tsx before loading the worker.
import { register } from 'tsx/esm/api';

register();
await import('./engine-worker.ts');
