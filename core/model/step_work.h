#pragma once
// How much arithmetic one training step of a config does, from its shapes alone: the
// floating-point operations of its matrix products (2 per multiply-add), which is what
// a step's time follows on the fused paths (README.md, "Threads and speed"). The
// benchmark reports achieved GFLOP/s against it; the experiment planner
// (experiment/launch_plan.h) orders runs by it. No torch here.

#include "config/train_config.h"
#include "tasks/dataset.h"

#include <cstdint>

namespace grokscope {

// The training step's matrix products at `batch` examples.
// Transformer (fused path): six MLP products (B·d·m), three with U (B·d·classes),
// three with W_O (B·d²), and the key, value and query tables forward and back
// (3 × (2·V·L + V)·d²). The elementwise loops (attention, softmax, AdamW) are left
// out: they are not GEMM-shaped. On the autograd path (LayerNorm, 2+ layers, no
// lookup tables) every position runs every product: L times the per-example work.
// MLP control: each layer forward, and its input and weight gradients (3 products);
// on FusedMlp's path (the CPU) the first layer's products are per-token tables, forward
// (2·V·d·width) and back (4·V·d·width), instead of per example.
double stepGemmFlops(const TrainConfig& config, const Dataset& data, int64_t batch);

// The entropy floor's extra work per step in the same units: two float64 products of
// the batch with d × d matrices (the covariance and the gradient; float64 counts
// double) and the d × d eigendecomposition, which runs far below GEMM speed. The d³
// factor is calibrated so that the sum matches the floor step's measured cost on the
// 2-core machine (grokscope-bench --set intervention.entropy_floor=true: about 1.35× a
// z97-add step at batch 512).
double entropyFloorStepFlops(int64_t batch, int64_t width);

// The width of the representation the spectrum and the floor read.
int64_t representationWidth(const ModelConfig& model);

// The rows of one training step: the batch, or the whole train split.
int64_t stepBatch(const TrainConfig& config, const Dataset& data);

}  // namespace grokscope
