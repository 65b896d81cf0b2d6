"""PyTorch CPU row of `npm run bench -- budget`: single-scale Gatys style transfer with torch.optim.LBFGS (history 100,
strong Wolfe line search, as PyTorch style-transfer code uses it) on the same uint8 VGG-19 weights
(../shared/models/vgg19, decoded as tf.io.decodeWeights does), the same loss (content 1/2 sum (F-P)^2 at relu4_2; style 0.2 x 1/(4 N^2 M^2) sum (G-A)^2 at relu1_1..relu5_1, average
pooling; total = content + beta x style) and the same pixels (bench/budget.ts passes the photo and the painting already
resized, as raw RGB uint8), painted for a time budget: iterations run while the next one, at the last one's speed,
still ends within the budget. Prints one JSON line: iterations, wall_s (set-up excluded), total (of the last picture
rounded to 8 bits), reached_s (first time the total was at most --reach, or null); writes the picture as raw RGB.
Debian's python3-torch (1.13) runs it: /usr/bin/python3 bench/torch_budget.py ...
"""
import argparse
import json
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

CONVS = ["block1_conv1", "block1_conv2", "block2_conv1", "block2_conv2", "block3_conv1", "block3_conv2", "block3_conv3",
         "block3_conv4", "block4_conv1", "block4_conv2", "block4_conv3", "block4_conv4", "block5_conv1"]
POOL_AFTER = {1, 3, 7, 11}  # conv1_2, conv2_2, conv3_4, conv4_4
STYLE = [0, 2, 4, 8, 12]  # relu1_1, relu2_1, relu3_1, relu4_1, relu5_1
CONTENT = 9  # relu4_2
MEAN_BGR = torch.tensor([103.939, 116.779, 123.68]).view(1, 3, 1, 1)


def load_weights(model_dir: Path):
    manifest = json.loads((model_dir / "weights_manifest.json").read_text())
    group = manifest[0]
    data = b"".join((model_dir / p).read_bytes() for p in group["paths"])
    tensors, offset = {}, 0
    for w in group["weights"]:
        count = 1
        for d in w["shape"]:
            count *= d
        q = w.get("quantization")
        if q:
            raw = torch.frombuffer(bytearray(data[offset:offset + count]), dtype=torch.uint8).float()
            values = raw * q["scale"] + q["min"]
            offset += count
        else:
            values = torch.frombuffer(bytearray(data[offset:offset + 4 * count]), dtype=torch.float32).clone()
            offset += 4 * count
        tensors[w["name"]] = values.reshape(w["shape"])
    # HWIO kernels -> OIHW.
    return [(tensors[f"{n}/kernel"].permute(3, 2, 0, 1).contiguous(), tensors[f"{n}/bias"]) for n in CONVS]


def features(layers, rgb):
    x = rgb.flip(1) - MEAN_BGR
    out = []
    for i, (w, b) in enumerate(layers):
        x = F.relu(F.conv2d(x, w, b, padding=1))
        out.append(x)
        if i in POOL_AFTER and i < len(layers) - 1:
            x = F.avg_pool2d(x, 2)
    return out


def gram(f):
    n, m = f.shape[1], f.shape[2] * f.shape[3]
    f = f.reshape(n, m)
    return f @ f.t(), n, m


def read_rgb(path: str, width: int, height: int):
    raw = torch.frombuffer(bytearray(Path(path).read_bytes()), dtype=torch.uint8).float()
    return raw.reshape(height, width, 3).permute(2, 0, 1).unsqueeze(0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", required=True)
    ap.add_argument("--content", required=True)
    ap.add_argument("--content-size", required=True, help="WIDTHxHEIGHT")
    ap.add_argument("--style", required=True)
    ap.add_argument("--style-size", required=True)
    ap.add_argument("--beta", type=float, required=True)
    ap.add_argument("--budget", type=float, required=True, help="seconds of painting")
    ap.add_argument("--reach", type=float, default=0.0, help="report when the total first falls to this")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", required=True, help="raw RGB uint8 of the last picture")
    ap.add_argument("--verbose", action="store_true", help="a line per iteration on stderr")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    layers = load_weights(Path(args.models))
    cw, ch = (int(v) for v in args.content_size.split("x"))
    sw, sh = (int(v) for v in args.style_size.split("x"))
    content = read_rgb(args.content, cw, ch)
    style = read_rgb(args.style, sw, sh)
    with torch.no_grad():
        target_content = features(layers, content)[CONTENT]
        target_grams = {i: gram(f)[0] for i, f in enumerate(features(layers, style)) if i in STYLE}

    def loss_of(x):
        feats = features(layers, x)
        content_loss = 0.5 * ((feats[CONTENT] - target_content) ** 2).sum()
        style_loss = 0
        for i in STYLE:
            g, n, m = gram(feats[i])
            style_loss = style_loss + 0.2 * ((g - target_grams[i]) ** 2).sum() / (4 * n * n * m * m)
        return content_loss + args.beta * style_loss

    x = content.clone().contiguous().requires_grad_(True)
    optimizer = torch.optim.LBFGS([x], lr=1, max_iter=1, history_size=100, line_search_fn="strong_wolfe")
    last_loss = [float("inf")]
    evaluations = [0]

    def closure():
        optimizer.zero_grad()
        loss = loss_of(x)
        loss.backward()
        last_loss[0] = loss.item()
        evaluations[0] += 1
        return loss

    began = time.perf_counter()
    iterations, last_ms, reached = 0, 0.0, None
    while True:
        elapsed = time.perf_counter() - began
        if iterations > 0 and elapsed + last_ms > args.budget:
            break
        t0 = time.perf_counter()
        optimizer.step(closure)
        with torch.no_grad():
            x.clamp_(0, 255)
        last_ms = time.perf_counter() - t0
        if args.verbose:
            print(f"iteration {iterations + 1}: {last_ms:.3f} s, loss {last_loss[0]:.3e}, evaluations {evaluations[0]}", file=sys.stderr)
        iterations += 1
        # The loss the closure saw is the picture's before this step: the time it was reached is the step's start.
        if reached is None and args.reach > 0 and last_loss[0] <= args.reach:
            reached = t0 - began
    wall = time.perf_counter() - began
    with torch.no_grad():
        delivered = x.round().clamp(0, 255)
        total = loss_of(delivered).item()
    if reached is None and args.reach > 0 and total <= args.reach:
        reached = wall
    Path(args.out).write_bytes(bytes(delivered[0].permute(1, 2, 0).to(torch.uint8).flatten().tolist()))
    print(json.dumps({"iterations": iterations, "wall_s": wall, "total": total, "reached_s": reached}), flush=True)


if __name__ == "__main__":
    main()
