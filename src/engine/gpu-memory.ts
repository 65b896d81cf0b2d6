// How much memory the GPU has, for the size check on webgpu, which does not report it. NVIDIA's driver ships
// nvidia-smi beside it; elsewhere (or if it fails) the answer is unknown and STYLEBOT_GPU_MEMORY_MB is the way to say.
import { execFileSync } from 'node:child_process';

/** MiB of the smallest GPU in `nvidia-smi --query-gpu=memory.total --format=csv,noheader,nounits` output, or null. */
export function parseNvidiaSmiMemory(output: string): number | null {
  const sizes = output
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((n) => Number.isFinite(n) && n > 0);
  // On a machine with several GPUs we do not know which one Dawn chose: assume the smallest.
  return sizes.length > 0 ? Math.min(...sizes) : null;
}

let cached: number | null | undefined;

/** The GPU memory in MiB as nvidia-smi reports it (asked once per thread), or null where it cannot say. */
export function nvidiaGpuMemoryMb(): number | null {
  if (cached !== undefined) return cached;
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=memory.total', '--format=csv,noheader,nounits'], {
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    cached = parseNvidiaSmiMemory(out);
  } catch {
    cached = null;
  }
  return cached;
}
