// ONNX Runtime's idle threads spinning or sleeping (issue 20): `npm run bench -- spinning [SIZE ...] [--reps N]`.
// ms per objective evaluation with 2 intra-op threads, spinning on and off, the two sessions taking turns rep by rep
// in one process so that the machine's load falls on both alike; run it on a quiet machine and on a busy one.
import { loadVggWeights, resolveModelDir } from '../src/engine/weights.js';
import { onnxStepper, timeInTurns } from './cpu-bench.js';

export async function runSpinningBench(argv: string[]): Promise<void> {
  const repsAt = argv.indexOf('--reps');
  const reps = repsAt >= 0 ? Number(argv[repsAt + 1]) : 6;
  const sizes = argv.filter((a, i) => /^\d+$/.test(a) && argv[i - 1] !== '--reps').map(Number);
  const weights = await loadVggWeights(resolveModelDir());
  console.log(`onnxruntime CPU, 2 threads: ms per evaluation, spinning on and off taking turns, ${reps} reps after a warm-up`);
  console.log('| size | spinning ms | no spinning ms | no spinning / spinning | process CPU s, spinning | process CPU s, no spinning |');
  console.log('|---|---|---|---|---|---|');
  for (const size of sizes.length ? sizes : [256, 512]) {
    const steppers = [await onnxStepper(weights, size, 2, true), await onnxStepper(weights, size, 2, false)];
    const { ms, cpuS: cpu } = await timeInTurns(steppers, reps);
    console.log(
      `| ${size} | ${ms[0]!.toFixed(0)} | ${ms[1]!.toFixed(0)} | ${(ms[1]! / ms[0]!).toFixed(2)} | ${cpu[0]!.toFixed(1)} | ${cpu[1]!.toFixed(1)} |`,
    );
  }
}
