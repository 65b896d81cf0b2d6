"""One table from the engine's and PyTorch's JSON: ms per iteration, ratio to the engine, achieved TFLOP/s.

    python3 summarize.py engine.json torch.json [engine-memory.json] [engine-stock.json] [engine-toggles.json]

engine.json is the engine as it runs (our WGSL kernels), engine-stock.json the same with tfjs's own kernels
(STYLEBOT_WGSL=0), engine-toggles.json with Dawn toggles (STYLEBOT_DAWN_TOGGLES); the ratio column divides the engine's ms by each row's.

One Gatys iteration (VGG-19 to relu5_1, forward + image gradient) is 379 GFLOP at 512 px and scales with the
pixel count (4x at 1024). Either file may be missing (its rows are left out).
"""
import json
import os
import sys

GFLOP_512 = 379.0


def gflop(size):
    return GFLOP_512 * (size / 512) ** 2


def load(path):
    if not path or not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def main():
    engine = load(sys.argv[1] if len(sys.argv) > 1 else None)
    torch = load(sys.argv[2] if len(sys.argv) > 2 else None)
    rows = []  # (who, size, grad ms, lbfgs ms, error, CPU issue ms, dispatches)

    def engine_rows(run):
        for r in run.get('timings', []):
            rows.append((f"engine {run.get('device', '')}".strip(), r['size'], r.get('msPerGradStep'), r.get('msPerLbfgsIteration'),
                         r.get('error'), r.get('issueMsPerLbfgsIteration'), r.get('dispatchesPerLbfgsIteration')))
    if engine:
        engine_rows(engine)
    stock = load(sys.argv[4] if len(sys.argv) > 4 else None)
    if stock:
        engine_rows(stock)
    toggled = load(sys.argv[5] if len(sys.argv) > 5 else None)
    if toggled:
        engine_rows(toggled)
    if torch:
        for mode, rs in torch.get('timings', {}).items():
            for r in rs:
                rows.append((f'pytorch {mode}', r['size'], r['msPerGradStep'], r['msPerLbfgsIteration'], None, None, None))
    engine_ms = {}
    for r in rows:  # the engine's own rows come first: they are what the ratio divides
        if r[0].startswith('engine') and (r[3] or r[2]) and r[1] not in engine_ms:
            engine_ms[r[1]] = r[3] or r[2]
    print('| who | size | forward+gradient ms | L-BFGS iteration ms | engine / this | TFLOP/s (L-BFGS iteration) | CPU issue ms | dispatches |')
    print('|---|---|---|---|---|---|---|---|')
    for who, size, g, l, err, issue, dispatches in rows:
        if err:
            print(f'| {who} | {size} | failed: {err} | | | | | |')
            continue
        ms = l or g
        ratio = f'{engine_ms[size] / ms:.1f}x' if size in engine_ms and ms else '-'
        tflops = f'{gflop(size) / ms:.1f}' if ms else '-'  # GFLOP / ms = TFLOP/s
        issue_text = f'{issue:.1f}' if issue is not None else '-'
        print(f"| {who} | {size} | {g:.1f} | {l:.1f} | {ratio} | {tflops} | {issue_text} | {dispatches if dispatches is not None else '-'} |")
    if engine and torch and engine.get('lossesVsWasm') and torch.get('iterationZero'):
        e = engine['lossesVsWasm']['backend']
        t = torch['iterationZero']['parts']
        if engine['lossesVsWasm']['size'] == torch['iterationZero']['size']:
            diffs = [abs(a - b) / max(abs(a), abs(b), 1e-30) for a, b in zip(e, t)]
            print('\niteration-0 losses, engine vs pytorch fp32 (content, style, tv, total): ' + ', '.join(f'{d:.1e}' for d in diffs))
    if engine and engine.get('lossesVsWasm'):
        d = engine['lossesVsWasm']['relativeDifference']
        print(f"iteration-0 losses, engine webgpu vs wasm: total {d['total']:.1e} (content {d['content']:.1e}, style {d['style']:.1e}); "
              f"gradient relative L2 {engine['lossesVsWasm']['gradientRelativeL2']:.1e}")
    memory = load(sys.argv[3] if len(sys.argv) > 3 else None)
    for run in [engine, memory]:
        for r in (run or {}).get('timings', []):
            if r.get('error'):
                print(f"memory at {r['size']} px: failed: {r['error']} (memory.ts step estimate {r['estimatedStepMB']:.0f} MiB)")
            elif r.get('peakMB') is not None:
                print(f"memory at {r['size']} px: step peak {r['peakMB']:.0f} MiB, memory.ts step estimate {r['estimatedStepMB']:.0f} MiB")
    if stock and stock.get('lossesVsWasm'):
        d = stock['lossesVsWasm']['relativeDifference']
        print(f"iteration-0 losses, engine webgpu with tfjs's kernels vs wasm: total {d['total']:.1e}; gradient relative L2 {stock['lossesVsWasm']['gradientRelativeL2']:.1e}")
    if toggled and toggled.get('lossesVsWasm'):
        d = toggled['lossesVsWasm']['relativeDifference']
        print(f"iteration-0 losses, engine webgpu with Dawn toggles vs wasm: total {d['total']:.1e}; gradient relative L2 {toggled['lossesVsWasm']['gradientRelativeL2']:.1e}")
    if engine and engine.get('tinyNetGradient'):
        print(f"image gradient vs float64 finite differences on the GPU: relative L2 {engine['tinyNetGradient']['relativeError']:.1e}")


if __name__ == '__main__':
    main()
