#!/usr/bin/python3
"""Train NiN (Dive into Deep Learning, "Network in Network") on Fashion-MNIST with PyTorch.

The PyTorch reference for NiN Lab's benchmarks: the same network, data and optimiser
as the TensorFlow.js app, measured on the same machine.

Usage (Debian's python3-torch; call /usr/bin/python3 where a pyenv python3 comes first):

    /usr/bin/python3 bench/pytorch/nin_bench.py SPEC --steps 20 --threads 2
    /usr/bin/python3 bench/pytorch/nin_bench.py SPEC --epochs 1 --threads 1
    /usr/bin/python3 bench/pytorch/nin_bench.py SPEC --summary

SPEC is JSON text (starting with "{"), a path to a JSON file, or "-" or nothing for stdin.
Two shapes are accepted:

    {"inputSize": 28, "blocks": [
        {"type": "nin", "channels": 96, "kernel": 5, "stride": 1, "padding": 2},
        {"type": "maxpool", "window": 3, "stride": 2},
        {"type": "dropout", "rate": 0.5},
        {"type": "gap"}]}
    {"inputSize": 28, "body": [...nin, maxpool, dropout...],
     "classifier": {"kernel": 3, "stride": 1, "padding": 1}}

The second is NiN Lab's ModelSpec; it becomes body + a 10-channel NiN block + gap.
Unknown keys are ignored. The network must end with 10 features per image.

Output contract: stdout carries only JSON lines, one object per line.
  --summary: one line {"mode": "summary", "parameters", "multiply_adds",
    "layers": [{"type", "output_shape": [C, H, W] or [C], "parameters", "multiply_adds"}]}.
  --steps N (throughput): 2 untimed warm-up steps, then N timed steps, then one line
    {"mode": "throughput", "images_per_second", "step_ms", "gflops_per_second",
     "peak_rss_mb", "batch_size", "steps", "threads", "input_size", "parameters",
     "multiply_adds_per_image", "torch_version"}.
  --epochs E (accuracy): one line per epoch
    {"mode": "accuracy", "epoch", "train_loss", "test_accuracy", "epoch_seconds",
     "images_per_second", "batch_size", "learning_rate", "seed", "init", "threads"}.
Units: step_ms in milliseconds, epoch_seconds in seconds, peak_rss_mb in MiB
(ru_maxrss of this process), train_loss is the mean cross-entropy over the epoch's
batches, test_accuracy a fraction in [0, 1] over the 10,000 test images.
A timed step covers taking the batch, resizing it, forward, backward and the Adam
update. gflops_per_second counts 6 FLOPs per convolution multiply-add per image:
2 per multiply-add in the forward pass, times 3 for forward plus backward.
Multiply-adds count convolution weights only (no biases, ReLU, pooling).
Errors: an invalid spec, flag or dataset file prints a message on stderr and exits
with status 2. Any other failure exits with status 1 and prints Python's traceback.
"""
import argparse
import gzip
import json
import resource
import struct
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

CLASS_COUNT = 10
WARMUP_STEPS = 2
# IDX magic numbers: 0x00000803 (unsigned byte, 3 dimensions) for images,
# 0x00000801 (unsigned byte, 1 dimension) for labels.
IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATASET = REPOSITORY_ROOT / ".." / "shared" / "datasets" / "fashion-mnist"


class InputError(Exception):
    """An invalid spec, flag or dataset file, reported on stderr with exit status 2."""


def read_spec(text_or_path):
    """Parse SPEC as JSON text, a JSON file path, or stdin when it is "-" or None."""
    if text_or_path is None or text_or_path == "-":
        text = sys.stdin.read()
    elif text_or_path.lstrip().startswith("{"):
        text = text_or_path
    else:
        try:
            text = Path(text_or_path).read_text()
        except OSError as error:
            raise InputError(f"failed to read spec file {text_or_path!r}: {error}") from error
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"spec is not valid JSON ({error}); pass a JSON object") from error
    if not isinstance(spec, dict):
        raise InputError("spec must be a JSON object with inputSize and blocks")
    return normalise_spec(spec)


def normalise_spec(spec):
    """Return (input_size, blocks), turning NiN Lab's body + classifier form into blocks."""
    input_size = spec.get("inputSize")
    if not isinstance(input_size, int) or not 1 <= input_size <= 512:
        raise InputError(f"inputSize must be an integer from 1 to 512, got {input_size!r}")
    if "blocks" in spec:
        blocks = spec["blocks"]
    elif "body" in spec and "classifier" in spec:
        classifier = dict(spec["classifier"], type="nin", channels=CLASS_COUNT)
        blocks = list(spec["body"]) + [classifier, {"type": "gap"}]
    else:
        raise InputError("spec needs either blocks, or body and classifier")
    if not isinstance(blocks, list) or not blocks:
        raise InputError("blocks must be a non-empty list")
    return input_size, blocks


def field(block, index, name, minimum):
    """Return block[name] as an integer >= minimum, or raise naming the block."""
    value = block.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise InputError(
            f"block {index} ({block.get('type')}): {name} must be an integer >= {minimum}, "
            f"got {value!r}"
        )
    return value


def nin_block(in_channels, block, index):
    """Build a k×k convolution + ReLU followed by two 1×1 convolutions + ReLU."""
    channels = field(block, index, "channels", 1)
    kernel = field(block, index, "kernel", 1)
    stride = field(block, index, "stride", 1)
    padding = field(block, index, "padding", 0)
    return nn.Sequential(
        nn.Conv2d(in_channels, channels, kernel, stride, padding),
        nn.ReLU(),
        nn.Conv2d(channels, channels, 1),
        nn.ReLU(),
        nn.Conv2d(channels, channels, 1),
        nn.ReLU(),
    ), channels


def build_layer(in_channels, block, index):
    """Return (module, output channels) for one spec block."""
    kind = block.get("type") if isinstance(block, dict) else None
    if kind == "nin":
        return nin_block(in_channels, block, index)
    if kind == "maxpool":
        window = field(block, index, "window", 1)
        return nn.MaxPool2d(window, field(block, index, "stride", 1)), in_channels
    if kind == "dropout":
        rate = block.get("rate")
        if not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise InputError(f"block {index} (dropout): rate must be in [0, 1), got {rate!r}")
        return nn.Dropout(rate), in_channels
    if kind == "gap":
        return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten()), in_channels
    raise InputError(f"block {index}: type must be nin, maxpool, dropout or gap, got {kind!r}")


def build_model(blocks, init="xavier-uniform"):
    """Build the network with `init` convolution weights and zero biases."""
    layers = []
    channels = 1
    for index, block in enumerate(blocks):
        layer, channels = build_layer(channels, block, index)
        layers.append(layer)
    model = nn.Sequential(*layers)
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            if init == "he-uniform":
                # Matches tfjs heUniform: U(-sqrt(6 / fan_in), sqrt(6 / fan_in)).
                nn.init.kaiming_uniform_(module.weight, nonlinearity="relu")
            else:
                nn.init.xavier_uniform_(module.weight)
            nn.init.zeros_(module.bias)
    return model


def conv_multiply_adds(module, output):
    """Return multiply-adds of one image through the convolutions of module."""
    total = 0
    for conv in (m for m in module.modules() if isinstance(m, nn.Conv2d)):
        kernel_h, kernel_w = conv.kernel_size
        total += conv.in_channels * kernel_h * kernel_w * conv.out_channels
    # Every convolution inside one layer here has the same output height and width.
    spatial = output.shape[2] * output.shape[3] if output.dim() == 4 else 1
    return total * spatial


def summarise(model, blocks, input_size):
    """Push one zero image through each layer; return per-layer shapes and costs."""
    layers = []
    x = torch.zeros(1, 1, input_size, input_size)
    # Eval mode keeps dropout from drawing on the global generator before training starts.
    model.eval()
    with torch.no_grad():
        for index, (layer, block) in enumerate(zip(model, blocks)):
            try:
                y = layer(x)
            except RuntimeError as error:
                raise InputError(
                    f"block {index} ({block['type']}) cannot take input of shape "
                    f"{list(x.shape[1:])}: {error}"
                ) from error
            layers.append({
                "type": block["type"],
                "output_shape": list(y.shape[1:]),
                "parameters": sum(p.numel() for p in layer.parameters()),
                "multiply_adds": conv_multiply_adds(layer, y),
            })
            x = y
    if list(x.shape[1:]) != [CLASS_COUNT]:
        raise InputError(
            f"the network must end with {CLASS_COUNT} features (a 10-channel NiN block, then gap), "
            f"but its output shape is {list(x.shape[1:])}"
        )
    return layers


def read_idx(path, magic, dimensions):
    """Read a gzipped (or plain) IDX file of unsigned bytes; return a uint8 tensor."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as file:
            data = file.read()
    except OSError as error:
        raise InputError(f"failed to read dataset file {path}: {error}") from error
    header_size = 4 + 4 * dimensions
    if len(data) < header_size or struct.unpack(">I", data[:4])[0] != magic:
        raise InputError(
            f"{path} is not an IDX file with magic number {magic}; pass a Fashion-MNIST folder"
        )
    shape = struct.unpack(f">{dimensions}I", data[4:header_size])
    element_count = 1
    for size in shape:
        element_count *= size
    expected = header_size + element_count
    if len(data) != expected:
        raise InputError(f"{path} has {len(data)} bytes, but its header {shape} needs {expected}")
    flat = torch.frombuffer(bytearray(data[header_size:]), dtype=torch.uint8)
    return flat.reshape(shape)


def load_split(folder, prefix):
    """Return (images uint8 [N, 28, 28], labels int64 [N]) of the train or t10k split."""
    images = read_idx(folder / f"{prefix}-images-idx3-ubyte.gz", IMAGES_MAGIC, 3)
    if tuple(images.shape[1:]) != (28, 28):
        raise InputError(f"{folder}: {prefix} images are {tuple(images.shape[1:])}, not 28×28")
    labels = read_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", LABELS_MAGIC, 1)
    if images.shape[0] != labels.shape[0]:
        raise InputError(
            f"{folder}: {prefix} has {images.shape[0]} images but {labels.shape[0]} labels"
        )
    return images, labels.long()


def make_batch(images, indices, input_size):
    """Scale pixels to [0, 1] and resize bilinearly to input_size; return [B, 1, S, S]."""
    x = images[indices].unsqueeze(1).float().div_(255.0)
    if x.shape[-1] != input_size:
        # NOTE: PyTorch uses half-pixel centres (align_corners=False); tfjs 4.22's
        # resizeBilinear defaults to halfPixelCenters=false, so pixels differ slightly.
        x = F.interpolate(x, size=(input_size, input_size), mode="bilinear", align_corners=False)
    return x


def train_step(model, optimizer, x, y):
    """Run forward, backward and one optimiser update; return the batch loss."""
    optimizer.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def measure_throughput(model, optimizer, train, args, costs):
    """Time args.steps training steps after WARMUP_STEPS; return the result line."""
    images, labels = train
    generator = torch.Generator().manual_seed(args.seed)
    order = torch.randperm(images.shape[0], generator=generator)
    model.train()

    def step(number):
        start = (number * args.batch_size) % (images.shape[0] - args.batch_size + 1)
        indices = order[start:start + args.batch_size]
        train_step(model, optimizer, make_batch(images, indices, costs["input_size"]),
                   labels[indices])

    for number in range(WARMUP_STEPS):
        step(number)
    started = time.perf_counter()
    for number in range(WARMUP_STEPS, WARMUP_STEPS + args.steps):
        step(number)
    seconds = time.perf_counter() - started

    images_per_second = args.steps * args.batch_size / seconds
    return {
        "mode": "throughput",
        "images_per_second": round(images_per_second, 2),
        "step_ms": round(1000 * seconds / args.steps, 2),
        "gflops_per_second": round(6 * costs["multiply_adds"] * images_per_second / 1e9, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "batch_size": args.batch_size,
        "steps": args.steps,
        "threads": torch.get_num_threads(),
        "input_size": costs["input_size"],
        "parameters": costs["parameters"],
        "multiply_adds_per_image": costs["multiply_adds"],
        "torch_version": torch.__version__,
    }


def train_epoch(model, optimizer, train, args, input_size, generator):
    """Train one pass over the shuffled training split; return the mean batch loss."""
    images, labels = train
    model.train()
    order = torch.randperm(images.shape[0], generator=generator)
    losses = []
    for start in range(0, images.shape[0], args.batch_size):
        indices = order[start:start + args.batch_size]
        x = make_batch(images, indices, input_size)
        losses.append(train_step(model, optimizer, x, labels[indices]))
    return sum(losses) / len(losses)


def evaluate(model, test, input_size, batch_size):
    """Return the fraction of test images whose highest logit is the true label."""
    images, labels = test
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, images.shape[0], batch_size):
            indices = torch.arange(start, min(start + batch_size, images.shape[0]))
            logits = model(make_batch(images, indices, input_size))
            correct += (logits.argmax(dim=1) == labels[indices]).sum().item()
    return correct / images.shape[0]


def run_epochs(model, optimizer, args, input_size):
    """Train args.epochs epochs, printing one accuracy line after each."""
    train = load_split(args.dataset, "train")
    test = load_split(args.dataset, "t10k")
    generator = torch.Generator().manual_seed(args.seed)
    for epoch in range(1, args.epochs + 1):
        started = time.perf_counter()
        train_loss = train_epoch(model, optimizer, train, args, input_size, generator)
        seconds = time.perf_counter() - started
        accuracy = evaluate(model, test, input_size, max(args.batch_size, 256))
        emit({
            "mode": "accuracy",
            "epoch": epoch,
            "train_loss": round(train_loss, 5),
            "test_accuracy": accuracy,
            "epoch_seconds": round(seconds, 2),
            "images_per_second": round(train[0].shape[0] / seconds, 2),
            "batch_size": args.batch_size,
            "learning_rate": args.lr,
            "seed": args.seed,
            "init": args.init,
            "threads": torch.get_num_threads(),
        })


def emit(record):
    """Print one JSON line and flush, so a parent process receives it at once."""
    print(json.dumps(record), flush=True)


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Train NiN on Fashion-MNIST with PyTorch; print JSON lines.")
    parser.add_argument("spec", nargs="?", default="-",
                        help='JSON text, a JSON file path, or "-" for stdin (default)')
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--steps", type=positive_int, help="throughput mode: timed steps")
    mode.add_argument("--epochs", type=positive_int, help="accuracy mode: training epochs")
    mode.add_argument("--summary", action="store_true",
                      help="print layer shapes, parameters and multiply-adds; no training")
    parser.add_argument("--batch-size", type=positive_int, default=128, help="images per step")
    parser.add_argument("--threads", type=positive_int, default=1,
                        help="intra-op CPU threads (torch.set_num_threads)")
    parser.add_argument("--seed", type=int, default=1, help="seed of init, shuffling, dropout")
    parser.add_argument("--lr", type=float, default=0.002, help="Adam learning rate")
    parser.add_argument("--init", choices=["xavier-uniform", "he-uniform"],
                        default="xavier-uniform",
                        help="initialiser of convolution weights (tfjs glorotUniform or heUniform)")
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET,
                        help="folder of gzipped Fashion-MNIST IDX files "
                             "(default: ../shared/datasets/fashion-mnist from the repository)")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    input_size, blocks = read_spec(args.spec)
    model = build_model(blocks, args.init)
    layers = summarise(model, blocks, input_size)
    costs = {
        "input_size": input_size,
        "parameters": sum(layer["parameters"] for layer in layers),
        "multiply_adds": sum(layer["multiply_adds"] for layer in layers),
    }
    if args.summary:
        emit({"mode": "summary", "parameters": costs["parameters"],
              "multiply_adds": costs["multiply_adds"], "layers": layers})
        return

    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    if args.steps:
        train = load_split(args.dataset, "train")
        emit(measure_throughput(model, optimizer, train, args, costs))
    else:
        run_epochs(model, optimizer, args, input_size)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except InputError as error:
        print(f"nin_bench.py: error: {error}", file=sys.stderr)
        sys.exit(2)
