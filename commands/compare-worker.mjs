// Bootstrap of the /compare worker thread: our code is TypeScript, so register tsx before loading it.
import { register } from 'tsx/esm/api';

register();
await import('./compare-worker.ts');
