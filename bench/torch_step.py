"""PyTorch CPU row of bench/cpu-bench.ts: the same Gatys iteration (VGG-19 with average pooling to relu5_1, content
at relu4_2, Gram losses at relu1_1..relu5_1, forward + image gradient by autograd) on random weights, which cost the
same time as the real ones. Prints one JSON line per size and thread count: {"size", "threads", "ms"}.
Debian's python3-torch (1.13) runs it; where python3 cannot import torch, bench/cpu-bench.ts prints the row as absent."""
import argparse
import json
import time

import torch
import torch.nn.functional as F

CHANNELS = [64, 64, 128, 128, 256, 256, 256, 256, 512, 512, 512, 512, 512]  # conv1_1 .. conv5_1
POOL_AFTER = {1, 3, 7, 11}  # conv1_2, conv2_2, conv3_4, conv4_4
STYLE = {0, 2, 4, 8, 12}  # relu1_1, relu2_1, relu3_1, relu4_1, relu5_1
CONTENT = 9  # relu4_2


def make_weights():
    g = torch.Generator().manual_seed(0)
    layers, cin = [], 3
    for cout in CHANNELS:
        layers.append((torch.randn(cout, cin, 3, 3, generator=g) * (2 / (9 * cin)) ** 0.5, torch.zeros(cout)))
        cin = cout
    return layers


def features(layers, x):
    out = {}
    for i, (w, b) in enumerate(layers):
        x = F.relu(F.conv2d(x, w, b, padding=1))
        out[i] = x
        if i in POOL_AFTER and i < len(layers) - 1:
            x = F.avg_pool2d(x, 2)
    return out


def gram(f):
    n = f.shape[1]
    m = f.shape[2] * f.shape[3]
    f = f.reshape(n, m)
    return f @ f.t(), n, m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="128,256")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--reps", type=int, default=2)
    args = ap.parse_args()
    layers = make_weights()
    for size in [int(s) for s in args.sizes.split(",")]:
        with torch.no_grad():
            target = features(layers, torch.rand(1, 3, size, size) * 255)
            content = target[CONTENT]
            grams = {i: gram(target[i])[0] for i in STYLE}
        for threads in [int(t) for t in args.threads.split(",")]:
            torch.set_num_threads(threads)
            x = (torch.rand(1, 3, size, size) * 255).requires_grad_(True)
            times = []
            for rep in range(args.reps + 1):
                t0 = time.perf_counter()
                feats = features(layers, x)
                loss = 0.5 * ((feats[CONTENT] - content) ** 2).sum()
                for i in STYLE:
                    g, n, m = gram(feats[i])
                    loss = loss + 1e4 * 0.2 * ((g - grams[i]) ** 2).sum() / (4 * n * n * m * m)
                (grad,) = torch.autograd.grad(loss, x)
                if rep > 0:
                    times.append((time.perf_counter() - t0) * 1000)
            print(json.dumps({"size": size, "threads": threads, "ms": sum(times) / len(times)}), flush=True)


if __name__ == "__main__":
    main()
