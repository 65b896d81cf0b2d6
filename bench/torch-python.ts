// The Python that runs the benches' PyTorch rows: PATH's python3 when it imports torch, else Debian's
// (/usr/bin/python3 with python3-torch) where PATH has another Python; null where neither does.
import { spawnSync } from 'node:child_process';

let found: string | null | undefined;

/** The first python3 that imports torch, or null; asked once per process. */
export function torchPython(): string | null {
  found ??= ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) ?? null;
  return found;
}
