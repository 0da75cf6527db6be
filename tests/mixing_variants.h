#pragma once
// Mixing plans written by hand for the fused steps' tests against autograd
// (tst_fused_transformer, tst_fused_mlp): one per variant of the lever
// (model/mixing_plan.h), the mixup loss written out independently of
// trainingLoss() in model/grok_model.cpp, which it also checks, and autograd's
// gradient of a step with an extra loss term on the representation.

#include "model/fused_step.h"
#include "model/grok_model.h"
#include "model/mixing_plan.h"

#include <torch/torch.h>

#include <QtTest>

#include <cmath>
#include <utility>

enum class MixingVariant { Convex, Detached, Swap, Labels, UnevenWeights, SwapDetachedLabels };

inline constexpr std::pair<MixingVariant, const char*> kMixingVariantNames[] = {
    {MixingVariant::Convex, "convex"},
    {MixingVariant::Detached, "detached partner"},
    {MixingVariant::Swap, "swap"},
    {MixingVariant::Labels, "label mixing"},
    {MixingVariant::UnevenWeights, "uneven weights"},
    {MixingVariant::SwapDetachedLabels, "swap, detached partner and label mixing"}};

// π(i) = i + 5 mod B (B ≥ 6); the variant's weights: α = 0.3 (convex), 1 on every third
// row and 0 elsewhere (swap), or a different weight per row, some 0 (uneven).
inline grokscope::MixingPlan handPlan(grokscope::MixingSite site, int64_t batch, MixingVariant variant)
{
    grokscope::MixingPlan plan;
    plan.site = site;
    const bool swap = variant == MixingVariant::Swap || variant == MixingVariant::SwapDetachedLabels;
    for (int64_t i = 0; i < batch; ++i) {
        plan.partner.push_back((i + 5) % batch);
        double weight = 0.3;
        if (swap)
            weight = i % 3 == 0 ? 1.0 : 0.0;
        else if (variant == MixingVariant::UnevenWeights)
            weight = i % 5 == 4 ? 0.0 : 0.05 + 0.1 * double(i % 7);
        plan.weight.push_back(weight);
    }
    plan.detachPartner = variant == MixingVariant::Detached || variant == MixingVariant::SwapDetachedLabels;
    plan.mixLabels = variant == MixingVariant::Labels || variant == MixingVariant::SwapDetachedLabels;
    return plan;
}

// Torch's mean cross-entropy, or with plan->mixLabels the mean of
// (1 − w_i) CE(logits_i, y_i) + w_i CE(logits_i, y_π(i)).
inline torch::Tensor referenceLoss(const torch::Tensor& logits, const torch::Tensor& labels,
                                   const grokscope::MixingPlan* plan)
{
    namespace F = torch::nn::functional;
    if (!plan || !plan->mixLabels)
        return F::cross_entropy(logits, labels);
    const auto perRow = F::CrossEntropyFuncOptions().reduction(torch::kNone);
    const torch::Tensor partner = torch::tensor(plan->partner, torch::kInt64);
    const torch::Tensor weight = torch::tensor(plan->weight, torch::kFloat64).to(torch::kFloat32);
    const torch::Tensor own = F::cross_entropy(logits, labels, perRow);
    const torch::Tensor other = F::cross_entropy(logits, labels.index_select(0, partner), perRow);
    return (own * (1.0 - weight) + other * weight).mean();
}

// trainingLoss() of the model's mixed forward against referenceLoss, within float rounding.
inline void checkTrainingLoss(grokscope::GrokModel& model, const torch::Tensor& tokens, const torch::Tensor& labels,
                              const grokscope::MixingPlan& plan)
{
    torch::NoGradGuard noGrad;
    const grokscope::MixingRequest request = grokscope::mixingRequest(plan, torch::kCPU);
    const torch::Tensor logits = model.forward(tokens, &request).logits;
    const double got = grokscope::trainingLoss(logits, labels, &request).item<double>();
    const double expected = referenceLoss(logits, labels, &plan).item<double>();
    QVERIFY2(std::abs(got - expected) <= 1e-6 * expected,
             qPrintable(QString("trainingLoss %1, reference %2").arg(got, 0, 'g', 9).arg(expected, 0, 'g', 9)));
}

// An extra loss term with a known gradient: c/2 · Σ z², d/dz = c · z.
inline constexpr float kExtra = 0.05f;

// That term's gradient as the fused steps take it.
inline grokscope::RepresentationGradient extraLossGradient()
{
    return [](const float* z, float* dz, int64_t rows, int64_t width) {
        for (int64_t i = 0; i < rows * width; ++i)
            dz[i] += kExtra * z[i];
    };
}

// Autograd's gradients (a copy of the flat gradient buffer) and loss of one step of the
// fixture's model on its batch: referenceLoss with `plan`, plus the extra term when
// `extra`. The fixture has `model`, `tokens` and `labels`.
template <typename Fixture>
torch::Tensor autogradGradient(Fixture& f, const grokscope::MixingPlan* plan, bool extra, double* loss)
{
    grokscope::ParameterStore& store = f.model->parameters();
    store.flatGradients().zero_();
    const grokscope::MixingRequest request =
        plan ? grokscope::mixingRequest(*plan, torch::kCPU) : grokscope::MixingRequest{};
    const grokscope::ModelOutput out = f.model->forward(f.tokens, plan ? &request : nullptr);
    torch::Tensor total = referenceLoss(out.logits, f.labels, plan);
    *loss = total.item<double>();
    if (extra)
        total = total + out.representation.pow(2).sum() * (kExtra / 2.0);
    total.backward();
    return store.flatGradients().clone();
}
