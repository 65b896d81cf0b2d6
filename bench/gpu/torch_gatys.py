"""The engine's Gatys iteration in PyTorch, for a side-by-side number on the same GPU.

Same network (VGG-19 conv1_1..conv5_1, ReLU, 2x2 average pooling), the same uint8-quantized weights read from the
TF.js manifest and shards, the same losses as src/engine/losses.ts (content 1/2 sum (F-P)^2 at relu4_2; style
sum_l 0.2 * sum (G-A)^2 / (4 N^2 M^2) over relu1_1..relu5_1; squared TV), the same weights (1, 1e4, 1e-3) and the
same synthetic pictures as test/engine/support/webgpu-checks.ts (a port of its seeded generator).

    python3 torch_gatys.py --model-dir vgg19 [--sizes 512,1024] [--reps 10] [--check-size 128] [--json FILE]

Prints one line "TORCH_JSON {...}": ms per forward+gradient step and per torch.optim.LBFGS iteration, fp32 and TF32.
"""
import argparse
import functools
import json
import math
import os
import time

import numpy as np

LAYERS = ['conv1_1', 'conv1_2', 'conv2_1', 'conv2_2', 'conv3_1', 'conv3_2', 'conv3_3', 'conv3_4',
          'conv4_1', 'conv4_2', 'conv4_3', 'conv4_4', 'conv5_1']
POOL_AFTER = {'conv1_2', 'conv2_2', 'conv3_4', 'conv4_4'}
STYLE = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1']
CONTENT = 'relu4_2'
MEAN_BGR = [103.939, 116.779, 123.68]
WEIGHTS = {'content': 1.0, 'style': 1e4, 'tv': 1e-3, 'layer': 0.2}


# ---- the seeded generator of src/engine/random.ts (mulberry32) and syntheticImage of webgpu-checks.ts
def _imul(a, b):
    return ((a & 0xFFFFFFFF) * (b & 0xFFFFFFFF)) & 0xFFFFFFFF


def _to_int32(x):
    x &= 0xFFFFFFFF
    return x - 0x100000000 if x & 0x80000000 else x


def _mix32(x):
    h = (x ^ 0x9E3779B9) & 0xFFFFFFFF
    h = _imul(h ^ (h >> 16), 0x85EBCA6B)
    h = _imul(h ^ (h >> 13), 0xC2B2AE35)
    return h ^ (h >> 16)


def seeded_random(seed):
    state = [_mix32(int(seed) ^ 0)]

    def nxt():
        state[0] = (state[0] + 0x6D2B79F5) & 0xFFFFFFFF
        t = state[0]
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296
    return nxt


def synthetic_image(size, seed):
    r = seeded_random(seed)
    waves = []
    for _ in range(12):
        waves.append((r() * 0.3, r() * 0.3, r() * 6.283, 20 + r() * 30, math.floor(r() * 3)))
    data = np.zeros((size, size, 3), dtype=np.float32)
    for i in range(size):
        for j in range(size):
            for c in range(3):
                v = 127.5 + (r() - 0.5) * 16
                for fx, fy, phase, amp, wc in waves:
                    if wc == c:
                        v += amp * math.sin(fx * i + fy * j + phase)
                # Math.round rounds halves up
                data[i, j, c] = min(255.0, max(0.0, math.floor(v + 0.5)))
    return data


@functools.lru_cache(maxsize=None)
def synthetic_image_fast(size, seed):
    """The same picture for big sizes, vectorised (the per-pixel noise comes from the same sequence)."""
    if size <= 128:
        return synthetic_image(size, seed)
    r = seeded_random(seed)
    waves = [(r() * 0.3, r() * 0.3, r() * 6.283, 20 + r() * 30, math.floor(r() * 3)) for _ in range(12)]
    noise = np.array([r() for _ in range(size * size * 3)], dtype=np.float64).reshape(size, size, 3)
    v = 127.5 + (noise - 0.5) * 16
    ii, jj = np.meshgrid(np.arange(size), np.arange(size), indexing='ij')
    for fx, fy, phase, amp, wc in waves:
        v[:, :, wc] += amp * np.sin(fx * ii + fy * jj + phase)
    return np.clip(np.floor(v + 0.5), 0, 255).astype(np.float32)


# ---- weights
def load_weights(model_dir):
    with open(os.path.join(model_dir, 'weights_manifest.json')) as f:
        manifest = json.load(f)
    out = {}
    for group in manifest:
        buf = b''.join(open(os.path.join(model_dir, p), 'rb').read() for p in group['paths'])
        offset = 0
        for w in group['weights']:
            n = int(np.prod(w['shape'])) if w['shape'] else 1
            q = w.get('quantization')
            if q:
                raw = np.frombuffer(buf, dtype=np.uint8 if q['dtype'] == 'uint8' else np.uint16, count=n, offset=offset)
                offset += raw.nbytes
                values = raw.astype(np.float32) * np.float32(q['scale']) + np.float32(q['min'])
            else:
                values = np.frombuffer(buf, dtype=np.float32, count=n, offset=offset).copy()
                offset += values.nbytes
            out[w['name']] = values.reshape(w['shape'])
    return out


def build(torch, weights, device):
    convs = []
    for layer in LAYERS:
        block, conv = layer[4:].split('_')
        k = weights[f'block{block}_conv{conv}/kernel']  # HWIO
        b = weights[f'block{block}_conv{conv}/bias']
        convs.append((layer, torch.tensor(k, device=device).permute(3, 2, 0, 1).contiguous(), torch.tensor(b, device=device)))
    return convs


def features(torch, convs, rgb):
    """rgb: [1, 3, H, W] 0..255 -> dict of relu outputs."""
    F = torch.nn.functional
    mean = torch.tensor(MEAN_BGR, device=rgb.device).view(1, 3, 1, 1)
    x = rgb.flip(1) - mean
    out = {}
    for name, w, b in convs:
        x = F.relu(F.conv2d(x, w, b, padding=1))
        out['relu' + name[4:]] = x
        if name in POOL_AFTER:
            x = F.avg_pool2d(x, 2, 2)
    return out


def gram(torch, f):
    n = f.shape[1]
    f = f.reshape(n, -1)
    return f @ f.t()


def loss_parts(torch, convs, x, content_target, style_targets):
    feats = features(torch, convs, x)
    content = 0.5 * ((feats[CONTENT] - content_target) ** 2).sum()
    style = 0
    for layer, target in zip(STYLE, style_targets):
        f = feats[layer]
        n, m = f.shape[1], f.shape[2] * f.shape[3]
        style = style + WEIGHTS['layer'] * ((gram(torch, f) - target) ** 2).sum() / (4 * n * n * m * m)
    tv = ((x[:, :, :, 1:] - x[:, :, :, :-1]) ** 2).sum() + ((x[:, :, 1:, :] - x[:, :, :-1, :]) ** 2).sum()
    return content, style, tv


def setup(torch, convs, size, device):
    def tensor(img):
        return torch.tensor(img, device=device).permute(2, 0, 1).unsqueeze(0).contiguous()
    with torch.no_grad():
        content_target = features(torch, convs, tensor(synthetic_image_fast(size, 1)))[CONTENT]
        style_feats = features(torch, convs, tensor(synthetic_image_fast(size, 2)))
        style_targets = [gram(torch, style_feats[l]) for l in STYLE]
    x = tensor(synthetic_image_fast(size, 3)).requires_grad_(True)
    return x, content_target, style_targets


def total(parts):
    c, s, t = parts
    return WEIGHTS['content'] * c + WEIGHTS['style'] * s + WEIGHTS['tv'] * t


def time_size(torch, convs, size, reps, device):
    x, ct, st = setup(torch, convs, size, device)

    def grad_step():
        x.grad = None
        loss = total(loss_parts(torch, convs, x, ct, st))
        loss.backward()
        return loss

    for _ in range(2):
        grad_step()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(reps):
        grad_step()
    torch.cuda.synchronize()
    grad_ms = (time.perf_counter() - t0) * 1000 / reps

    opt = torch.optim.LBFGS([x], lr=1, max_iter=1, history_size=100, line_search_fn=None)

    def closure():
        opt.zero_grad()
        loss = total(loss_parts(torch, convs, x, ct, st))
        loss.backward()
        return loss

    for _ in range(2):
        opt.step(closure)
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(reps):
        opt.step(closure)
    torch.cuda.synchronize()
    lbfgs_ms = (time.perf_counter() - t0) * 1000 / reps
    peak_mb = torch.cuda.max_memory_allocated() / 2 ** 20
    return {'size': size, 'msPerGradStep': grad_ms, 'msPerLbfgsIteration': lbfgs_ms, 'peakMB': peak_mb}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model-dir', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), 'vgg19'))
    ap.add_argument('--sizes', default='512,1024')
    ap.add_argument('--reps', type=int, default=10)
    ap.add_argument('--check-size', type=int, default=128)
    ap.add_argument('--json')
    args = ap.parse_args()

    import torch
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    convs = build(torch, load_weights(args.model_dir), device)
    report = {'device': torch.cuda.get_device_name(0) if device == 'cuda' else 'cpu', 'torch': torch.__version__}

    # Iteration-0 losses in float32 without TF32, to compare with the engine's (same pictures, same weights).
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    x, ct, st = setup(torch, convs, args.check_size, device)
    parts = [float(p) for p in loss_parts(torch, convs, x, ct, st)]
    report['iterationZero'] = {'size': args.check_size, 'parts': parts + [float(total(parts))]}

    sizes = [int(s) for s in args.sizes.split(',') if s]
    report['timings'] = {}

    def save():
        # Rewritten after each size: a call cut short keeps what was measured.
        if args.json:
            with open(args.json, 'w') as f:
                f.write(json.dumps(report))
    save()
    if device == 'cuda':
        for mode in ('fp32', 'tf32'):
            torch.backends.cuda.matmul.allow_tf32 = mode == 'tf32'
            torch.backends.cudnn.allow_tf32 = mode == 'tf32'
            rows = report['timings'].setdefault(mode, [])
            for size in sizes:
                torch.cuda.reset_peak_memory_stats()
                try:
                    rows.append(time_size(torch, convs, size, args.reps, device))
                except Exception as err:  # out of memory at a large size: record it, go on
                    rows.append({'size': size, 'msPerGradStep': None, 'msPerLbfgsIteration': None, 'error': str(err).split('\n')[0]})
                    torch.cuda.empty_cache()
                save()
    line = json.dumps(report)
    print('TORCH_JSON ' + line)


if __name__ == '__main__':
    main()
