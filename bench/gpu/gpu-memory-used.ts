// GPU memory in use as the NVIDIA driver reports it, for the memory steps of the device call: WebGPU does not say
// how much memory its buffers hold, and our recorded iteration's buffers are not tfjs tensors (tf.memory misses them).
import { execFileSync } from 'node:child_process';

/**
 * MiB in use on the first GPU (`nvidia-smi --query-gpu=memory.used`), every process together; null where there is no
 * nvidia-smi (lavapipe, a CPU machine). Read it before and after an allocation in the same process for a delta.
 */
export function gpuMemoryUsedMiB(): number | null {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=memory.used', '--format=csv,noheader,nounits'], {
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const first = Number(out.split('\n')[0]?.trim());
    return Number.isFinite(first) ? first : null;
  } catch {
    return null;
  }
}
