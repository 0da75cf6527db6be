#!/usr/bin/python3
"""PyTorch eager peer of GrokScope's z97-add recipe, for the side-by-side benchmark (bench/README.md).

Same split, initial values, batches, model arithmetic, optimiser and loss as the C++
engine (core/), so the minibatch losses agree to float tolerance:
- split: SplitMix64 + Fisher-Yates on streamSeed(data_seed, 1, 0) (core/tasks/dataset.cpp);
- batch of step t: `batch` draws with replacement, SplitMix64(streamSeed(model_seed, 3, t))
  .below(train_count), indexing the sorted train pairs;
- init: one flat float32 tensor filled slice by slice, in declaration order, with
  normal_(0, std, generator) from torch.Generator().manual_seed(model_seed)
  (core/model/parameter_store.cpp); the parameters are views of it;
- model: 1-layer Transformer, y = x @ W, 4 heads, ReLU MLP 512, no LayerNorm; in the last
  (only) layer queries come from the final position only, keys and values from all
  (core/model/transformer_model.cpp). `--full-sequence` computes every position, the way a
  notebook would; the final position's output is mathematically the same;
- optimiser: torch.optim.AdamW(betas (0.9, 0.98), eps 1e-8, weight_decay 1.0),
  lr at step t (1-based) = lr * min(1, t / warmup);
- loss: mean cross-entropy of the logits at the final position.

Runs with Debian's interpreter: /usr/bin/python3 bench/pytorch_peer.py [options].
Prints one JSON line per figure.
"""

import argparse
import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

MASK64 = (1 << 64) - 1
SPLIT_STREAM, PROBE_STREAM, BATCH_STREAM = 1, 2, 3


class SplitMix64:
    """SplitMix64 (Steele, Lea, Flood 2014), as core/tasks/seeded_random.h."""

    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def below(self, bound):
        return self.next() % bound


def stream_seed(seed, purpose, index):
    mixer = SplitMix64(seed ^ ((purpose * 0xD1B54A32D192ED03) & MASK64))
    base = mixer.next()
    return SplitMix64((base + index * 0x9E3779B97F4A7C15) & MASK64).next()


def seeded_shuffle(values, random):
    """Fisher-Yates from the last element down."""
    for i in range(len(values), 1, -1):
        j = random.below(i)
        values[i - 1], values[j] = values[j], values[i - 1]


def build_dataset(p, train_fraction, data_seed):
    """(a + b) mod p; pair index a * p + b; tokens [a, b, '=' = p]."""
    total = p * p
    train_count = int(math.floor(train_fraction * total + 0.5))  # std::lround
    order = list(range(total))
    seeded_shuffle(order, SplitMix64(stream_seed(data_seed, SPLIT_STREAM, 0)))
    train = sorted(order[:train_count])
    test = sorted(order[train_count:])

    def tensors(pairs):
        idx = torch.tensor(pairs, dtype=torch.int64)
        a, b = idx // p, idx % p
        tokens = torch.stack([a, b, torch.full_like(a, p)], dim=1)
        return tokens, (a + b) % p

    return tensors(train), tensors(test)


def batch_indices(model_seed, step, batch, train_count):
    random = SplitMix64(stream_seed(model_seed, BATCH_STREAM, step))
    return torch.tensor([random.below(train_count) for _ in range(batch)], dtype=torch.int64)


class Transformer(torch.nn.Module):
    def __init__(self, vocab, length, classes, d_model=128, heads=4, d_mlp=512, seed=0,
                 full_sequence=False):
        super().__init__()
        self.heads, self.d_model, self.full_sequence = heads, d_model, full_sequence
        std = 1.0 / math.sqrt(d_model)
        # Declaration order and stds of core/model/transformer_model.cpp.
        specs = [
            ("embed", (vocab, d_model), std),
            ("position", (length, d_model), std),
            ("W_Q", (d_model, d_model), std),
            ("W_K", (d_model, d_model), std),
            ("W_V", (d_model, d_model), std),
            ("W_O", (d_model, d_model), std),
            ("W_in", (d_model, d_mlp), std),
            ("b_in", (d_mlp,), 0.0),
            ("W_out", (d_mlp, d_model), std),
            ("b_out", (d_model,), 0.0),
            ("unembed", (d_model, classes), 1.0 / math.sqrt(classes)),
        ]
        total = sum(math.prod(shape) for _, shape, _ in specs)
        flat = torch.empty(total, dtype=torch.float32)
        generator = torch.Generator().manual_seed(seed)
        offset = 0
        for name, shape, s in specs:
            n = math.prod(shape)
            piece = flat[offset:offset + n]
            if s > 0:
                piece.normal_(0.0, s, generator=generator)
            elif s == 0:
                piece.zero_()
            else:
                piece.fill_(1.0)
            setattr(self, name, torch.nn.Parameter(piece.view(shape)))
            offset += n

    def forward(self, tokens):
        batch, length = tokens.shape
        d, h = self.d_model, self.heads
        dh = d // h
        x = F.embedding(tokens, self.embed) + self.position[:length]
        # Operations in the engine's order (core/model/transformer_model.cpp,
        # projectFromActivations): the query slice, Q, K, V, then a second slice for the
        # residual. Autograd then sums the gradient of x in the same order, and the
        # losses agree bit for bit with the engine's plain path.
        queries_from = x if self.full_sequence else x.narrow(1, length - 1, 1)
        lq = queries_from.shape[1]
        q = (queries_from @ self.W_Q).view(batch, lq, h, dh).transpose(1, 2)
        k = (x @ self.W_K).view(batch, length, h, dh).transpose(1, 2)
        v = (x @ self.W_V).view(batch, length, h, dh).transpose(1, 2)
        residual = x if self.full_sequence else x.narrow(1, length - 1, 1)
        scores = q @ k.transpose(-1, -2) / math.sqrt(dh)
        mixed = scores.softmax(-1) @ v
        residual = residual + mixed.transpose(1, 2).reshape(batch, lq, d) @ self.W_O
        hidden = torch.relu(torch.addmm(self.b_in, residual.reshape(-1, d), self.W_in))
        residual = residual + torch.addmm(self.b_out, hidden, self.W_out).view(residual.shape)
        z = residual[:, -1]
        return z @ self.unembed


class PeerRun:
    def __init__(self, args, batch_mode):
        (self.train_tokens, self.train_labels), (self.test_tokens, self.test_labels) = build_dataset(
            args.modulus, args.train_fraction, args.data_seed)
        self.model = Transformer(args.modulus + 1, 3, args.modulus, seed=args.seed,
                                 full_sequence=args.full_sequence)
        self.optimiser = torch.optim.AdamW(self.model.parameters(), lr=args.lr, betas=(0.9, 0.98),
                                           eps=1e-8, weight_decay=1.0)
        self.args, self.batch_mode, self.step = args, batch_mode, 0

    def lr_at(self, step):
        warmup = self.args.warmup
        return self.args.lr * (min(1.0, step / warmup) if warmup > 0 else 1.0)

    def train_step(self):
        step = self.step + 1
        if self.batch_mode == "full":
            tokens, labels = self.train_tokens, self.train_labels
        else:
            index = batch_indices(self.args.seed, step, self.args.batch, len(self.train_labels))
            tokens, labels = self.train_tokens[index], self.train_labels[index]
        for group in self.optimiser.param_groups:
            group["lr"] = self.lr_at(step)
        self.optimiser.zero_grad(set_to_none=False)
        loss = F.cross_entropy(self.model(tokens), labels)
        loss.backward()
        self.optimiser.step()
        self.step = step
        return loss.item()

    @torch.no_grad()
    def evaluate(self):
        out = {}
        for name, tokens, labels in (("train", self.train_tokens, self.train_labels),
                                     ("test", self.test_tokens, self.test_labels)):
            logits = self.model(tokens)
            out[name + "_loss"] = F.cross_entropy(logits, labels).item()
            out[name + "_accuracy"] = (logits.argmax(-1) == labels).double().mean().item()
        return out


def thread_settings():
    return {"torch_threads": torch.get_num_threads(),
            "torch_interop_threads": torch.get_num_interop_threads(),
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", ""),
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", ""),
            "MKL_NUM_THREADS": os.environ.get("MKL_NUM_THREADS", "")}


def emit(figure, **values):
    record = {"side": "pytorch", "figure": figure, "torch_version": torch.__version__}
    record.update(values)
    record.update(thread_settings())
    record["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps(record), flush=True)


def measure_steps(args, batch_mode, steps):
    run = PeerRun(args, batch_mode)
    # The engine evaluates the initial state before its first step, and so does this.
    # It matters for speed, not numbers: freeing the evaluation's large tensors raises
    # glibc's dynamic mmap threshold, after which the step's 0.1-4 MB tensors come from
    # the heap instead of fresh mmap'd (page-faulting) memory; about 2.7x at batch 512.
    run.evaluate()
    for _ in range(args.warmup_steps):
        run.train_step()
    start = time.perf_counter()
    for _ in range(steps):
        run.train_step()
    seconds = time.perf_counter() - start
    batch = len(run.train_labels) if batch_mode == "full" else args.batch
    emit("steps_per_s", batch_mode=batch_mode, batch=batch, steps=steps,
         full_sequence=args.full_sequence, value=steps / seconds, ms_per_step=1000.0 * seconds / steps)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    parser.add_argument("--steps", type=int, default=200, help="timed steps at batch 512")
    parser.add_argument("--full-batch-steps", type=int, default=-1,
                        help="timed steps at full batch (default steps / 4; 0 skips)")
    parser.add_argument("--warmup-steps", type=int, default=10, help="untimed steps before timing")
    parser.add_argument("--dump-losses", nargs=2, metavar=("N", "FILE"),
                        help="write the first N minibatch losses (seed --seed), one per line, and exit")
    parser.add_argument("--grok", action="store_true",
                        help="also time the run to test accuracy >= 0.99, evaluating every 100 steps")
    parser.add_argument("--grok-only", action="store_true",
                        help="only the run to T_grok (no steps/s figures)")
    parser.add_argument("--full-sequence", action="store_true",
                        help="compute queries, MLP at every position (a notebook's model; same final output)")
    parser.add_argument("--seed", type=int, default=0, help="model seed (init and batches)")
    parser.add_argument("--data-seed", type=int, default=0)
    parser.add_argument("--modulus", type=int, default=97)
    parser.add_argument("--train-fraction", type=float, default=0.3)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--warmup", type=int, default=10, help="lr warm-up steps")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)

    if args.dump_losses:
        count, path = int(args.dump_losses[0]), args.dump_losses[1]
        run = PeerRun(args, "sampled")
        with open(path, "w") as out:
            for _ in range(count):
                out.write("%.9g\n" % run.train_step())
        emit("dump_losses", steps=count, file=path)
        return

    if not args.grok_only:
        measure_steps(args, "sampled", args.steps)
        full_steps = args.steps // 4 if args.full_batch_steps < 0 else args.full_batch_steps
        if full_steps > 0:
            measure_steps(args, "full", full_steps)

    if args.grok or args.grok_only:
        start = time.perf_counter()  # includes building the dataset and model, as the engine's figure does
        run = PeerRun(args, "sampled")
        run.evaluate()  # the initial state, as the engine does
        eval_seconds, grok_step = time.perf_counter() - start, None
        while run.step < 30000:
            run.train_step()
            if run.step % 100 == 0:
                t0 = time.perf_counter()
                if run.evaluate()["test_accuracy"] >= 0.99:
                    grok_step = run.step
                eval_seconds += time.perf_counter() - t0
                if grok_step is not None:
                    break
        wall = time.perf_counter() - start
        emit("time_to_grok", grok_step=grok_step, wall_s=wall, eval_s=eval_seconds,
             full_sequence=args.full_sequence)


if __name__ == "__main__":
    sys.exit(main())
