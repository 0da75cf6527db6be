#pragma once
// Mixing at evaluation and probe time (intervention.mixing_at_evaluation): with the lever
// on, the evaluation passes (train and test loss and accuracy, the logit statistics) and
// the probe forward (H̃, the spectrum, the diagnostics, saved representations) see mixed
// representations, as training does, so "mixing blocks the collapse" can be told apart
// from "mixing changes what is measured" (docs/science.md, "Interventions").
//
// How an evaluation mixes:
// - the rows are cut, in split order, into batches of the run's training batch size
//   (optim.batch_size, or the whole train split under optim.batch_mode "full"); the
//   probe set is one batch. A last batch of one row stays unmixed (it has no partner);
// - each batch has its own plan, drawn by drawMixingPlan (model/mixing_plan.h) with the
//   lever's α, site, form and permutation kind, from the stream
//   evaluationMixingSeed(model seed, step, pass, batch index): the same evaluation gives
//   the same numbers, in a resumed run too, and never touches training's streams;
// - every batch mixes (probability 1): a per-batch coin would make the measured curve
//   jump between two quantities from one evaluation to the next;
// - labels are never mixed: loss and accuracy are against each row's true label.
// Torch-free, so tests can rebuild a plan and check the measured numbers against it.

#include "config/levers.h"
#include "config/train_config.h"
#include "model/mixing_plan.h"
#include "tasks/seeded_random.h"

#include <cstdint>

namespace grokscope {

// The passes of one evaluation, each with its own batch indices.
enum class EvaluationPass : uint64_t { Train = 0, Test = 1, Probe = 2 };

// Whether an evaluation under these lever settings mixes.
inline bool mixesAtEvaluation(const MixingSettings& lever)
{
    return lever.enabled && lever.atEvaluation && lever.alpha > 0.0;
}

// The settings an evaluation batch's plan is drawn with (see above).
inline MixingSettings evaluationMixingSettings(const MixingSettings& lever)
{
    MixingSettings settings = lever;
    settings.probability = 1.0;
    settings.mixLabels = false;
    return settings;
}

// The stream of batch `batchIndex` of `pass` in the evaluation at `step`.
inline uint64_t evaluationMixingSeed(uint64_t modelSeed, long step, EvaluationPass pass, int64_t batchIndex)
{
    const uint64_t evaluation = streamSeed(modelSeed, kEvaluationMixingStream, static_cast<uint64_t>(step));
    return streamSeed(evaluation, static_cast<uint64_t>(pass), static_cast<uint64_t>(batchIndex));
}

// Rows per evaluation batch of the train and test passes.
inline int64_t evaluationBatchRows(const TrainConfig& config, int64_t trainRows)
{
    return config.optim.batchMode == BatchMode::FullBatch ? trainRows : int64_t(config.optim.batchSize);
}

// The plan of one evaluation batch: `labels` are the batch's true labels.
inline MixingPlan evaluationMixingPlan(const MixingSettings& lever, const int64_t* labels, int64_t rows,
                                       uint64_t modelSeed, long step, EvaluationPass pass, int64_t batchIndex)
{
    return drawMixingPlan(evaluationMixingSettings(lever), labels, rows,
                          evaluationMixingSeed(modelSeed, step, pass, batchIndex));
}

}  // namespace grokscope
