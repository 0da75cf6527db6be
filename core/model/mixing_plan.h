#pragma once
// One batch's representation mixing, drawn from the lever's settings (config/levers.h):
// row i becomes (1 − w_i) x_i + w_i x_π(i). Every variant of the lever is a plan of this
// one shape, so the steps (fused and autograd) and the evaluator apply plans and never
// look at the settings. docs/science.md, "Interventions". Torch-free.

#include "config/levers.h"

#include <cstdint>
#include <vector>

namespace grokscope {

struct MixingPlan {
    MixingSite site = MixingSite::FinalResidual;
    std::vector<int64_t> partner;  // π: the row each row takes its share from; empty = no mixing
    std::vector<double> weight;    // w_i: α (convex), 1 or 0 (swap); 0 also for rows without a partner
    bool detachPartner = false;    // the partner's share is a constant in the backward pass
    bool mixLabels = false;        // the loss target of row i is (1 − w_i) e_{y_i} + w_i e_{y_π(i)}

    bool empty() const { return partner.empty(); }
    int64_t rows() const { return static_cast<int64_t>(partner.size()); }
    // Every row has the same weight (convex mixing where every row has a partner): the
    // steps then use the scalar arithmetic the lever had before it had variants.
    bool uniformWeight() const;
};

// Whether drawMixingPlan reads the batch's labels for this permutation (same_class and
// different_class do; cycle and derangement accept null labels).
bool mixingPermutationReadsLabels(MixingPermutation permutation);

// The plan of `settings` for a batch of `rows` examples with these labels, drawn from
// SplitMix64(seed) alone (the caller picks the stream: training steps use
// streamSeed(model seed, kMixingStream, step)). Empty when the lever is off, α = 0,
// rows < 2, no row has a partner (same_class with every label once), form swap with
// round(α·P) = 0, or the step's draw against settings.probability says "not this step".
//
// The draws, in this order, from the one generator:
//  1. only when probability < 1: one next(); the step mixes iff (next() >> 11)·2⁻⁵³ <
//     probability. At probability 1 nothing is drawn.
//  2. the permutation π:
//     cycle        Sattolo's algorithm over the rows (for i = B−1 … 1: swap p[i] with
//                  p[below(i)]): a uniformly random B-cycle. Exactly the draws the
//                  lever made before it had variants, so at the defaults (probability 1,
//                  convex, cycle) earlier runs keep their numbers.
//     derangement  Fisher–Yates shuffles (seededShuffle's order) drawn until one has no
//                  fixed point: uniform over the derangements (each shuffle is uniform
//                  over all B! permutations; about e ≈ 2.7 shuffles per plan).
//     same_class   the rows grouped by label, groups in ascending label order, rows in
//                  batch order; Sattolo's cycle within each group of two or more rows,
//                  group after group. A row whose label occurs once keeps π(i) = i and
//                  w_i = 0.
//     different_class  a Fisher–Yates shuffle of the rows, then one of the distinct
//                  labels (ascending before the shuffle); the shuffled rows are stably
//                  sorted by their label's place in the shuffled label order, and each
//                  row is paired with the row m places further on (cyclically), m being
//                  the largest label count. When no label fills more than half the
//                  batch (2m ≤ B) every partner has another label. Otherwise the
//                  largest label's rows pair outside it as far as the others go and its
//                  remaining 2m − B rows pair within it; a batch of one label is shifted
//                  by 1 instead (one cycle through it).
//  3. only for form swap: k = round(α·P) of the P rows that have a partner (rounded half
//     away from zero), drawn by a partial Fisher–Yates over those rows in batch order
//     (for t < k: swap c[t] with c[t + below(P − t)]); they get w = 1, every other row 0.
//     Form convex draws nothing more: every row with a partner gets w = α.
MixingPlan drawMixingPlan(const MixingSettings& settings, const int64_t* labels, int64_t rows, uint64_t seed);

}  // namespace grokscope
