// drawMixingPlan (mixing_plan.h): the permutation kinds and the forms of the mixing
// lever, with the order of their draws documented in the header.

#include "model/mixing_plan.h"

#include "tasks/seeded_random.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace grokscope {

namespace {

// Sattolo's algorithm on `items`: afterwards items[k] = old items[σ(k)] with σ one
// cycle through every position, so mapping each old item to the new item at its
// position has no fixed point. On the identity this is the lever's original draw.
void sattoloCycle(std::vector<int64_t>& items, SplitMix64& random)
{
    for (int64_t i = static_cast<int64_t>(items.size()) - 1; i > 0; --i)
        std::swap(items[size_t(i)], items[random.below(static_cast<uint64_t>(i))]);
}

std::vector<int64_t> identity(int64_t rows)
{
    std::vector<int64_t> p(static_cast<size_t>(rows));
    for (int64_t i = 0; i < rows; ++i)
        p[size_t(i)] = i;
    return p;
}

bool hasFixedPoint(const std::vector<int64_t>& p)
{
    for (size_t i = 0; i < p.size(); ++i)
        if (p[i] == int64_t(i))
            return true;
    return false;
}

// Rejection: a uniform shuffle conditioned on having no fixed point is uniform over the
// derangements. The acceptance rate tends to 1/e and is at least 1/3 (B = 3).
std::vector<int64_t> uniformDerangement(int64_t rows, SplitMix64& random)
{
    std::vector<int64_t> p;
    do {
        p = identity(rows);
        seededShuffle(p, random);
    } while (hasFixedPoint(p));
    return p;
}

// The rows of each label (labels ascending, rows in batch order).
std::vector<std::vector<int64_t>> rowsByLabel(const int64_t* labels, int64_t rows)
{
    std::vector<std::pair<int64_t, int64_t>> byLabel;  // (label, row)
    byLabel.reserve(size_t(rows));
    for (int64_t i = 0; i < rows; ++i)
        byLabel.emplace_back(labels[i], i);
    std::sort(byLabel.begin(), byLabel.end());
    std::vector<std::vector<int64_t>> groups;
    for (size_t k = 0; k < byLabel.size(); ++k) {
        if (k == 0 || byLabel[k].first != byLabel[k - 1].first)
            groups.emplace_back();
        groups.back().push_back(byLabel[k].second);
    }
    return groups;
}

// A cycle within each label's rows; rows alone in their label keep π(i) = i.
std::vector<int64_t> sameClassPartners(const int64_t* labels, int64_t rows, SplitMix64& random)
{
    std::vector<int64_t> partner = identity(rows);
    for (const std::vector<int64_t>& group : rowsByLabel(labels, rows)) {
        if (group.size() < 2)
            continue;
        std::vector<int64_t> cycled = group;
        sattoloCycle(cycled, random);
        for (size_t k = 0; k < group.size(); ++k)
            partner[size_t(group[k])] = cycled[k];
    }
    return partner;
}

// Rows in a random order, grouped by label in a random label order, each paired with
// the row m places on (m the largest label count): a label's block of c ≤ m rows maps
// outside itself whenever c + m ≤ B, i.e. for every label when 2m ≤ B.
std::vector<int64_t> differentClassPartners(const int64_t* labels, int64_t rows, SplitMix64& random)
{
    std::vector<int64_t> order = identity(rows);
    seededShuffle(order, random);
    const std::vector<std::vector<int64_t>> groups = rowsByLabel(labels, rows);
    std::vector<int64_t> distinct;
    size_t largest = 0;
    for (const std::vector<int64_t>& group : groups) {
        distinct.push_back(labels[group.front()]);
        largest = std::max(largest, group.size());
    }
    seededShuffle(distinct, random);
    std::vector<std::pair<int64_t, size_t>> placeOf;  // (label, its place in the shuffled order)
    for (size_t k = 0; k < distinct.size(); ++k)
        placeOf.emplace_back(distinct[k], k);
    std::sort(placeOf.begin(), placeOf.end());
    auto place = [&](int64_t row) {
        return std::lower_bound(placeOf.begin(), placeOf.end(), std::pair<int64_t, size_t>(labels[row], 0))->second;
    };
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return place(a) < place(b); });
    const int64_t shift = int64_t(largest) < rows ? int64_t(largest) : 1;
    std::vector<int64_t> partner(static_cast<size_t>(rows));
    for (int64_t k = 0; k < rows; ++k)
        partner[size_t(order[size_t(k)])] = order[size_t((k + shift) % rows)];
    return partner;
}

std::vector<int64_t> drawPartners(MixingPermutation kind, const int64_t* labels, int64_t rows, SplitMix64& random)
{
    if (mixingPermutationReadsLabels(kind) && !labels)
        throw std::invalid_argument(std::string("drawMixingPlan: the ") + leverValueName(kMixingPermutationNames, kind)
                                    + " permutation needs the batch's labels");
    switch (kind) {
    case MixingPermutation::Cycle: {
        std::vector<int64_t> p = identity(rows);
        sattoloCycle(p, random);
        return p;
    }
    case MixingPermutation::Derangement:
        return uniformDerangement(rows, random);
    case MixingPermutation::SameClass:
        return sameClassPartners(labels, rows, random);
    case MixingPermutation::DifferentClass:
        return differentClassPartners(labels, rows, random);
    }
    throw std::logic_error("drawMixingPlan: unknown permutation kind");
}

}  // namespace

bool MixingPlan::uniformWeight() const
{
    return std::all_of(weight.begin(), weight.end(), [&](double w) { return w == weight.front(); });
}

bool mixingPermutationReadsLabels(MixingPermutation permutation)
{
    return permutation == MixingPermutation::SameClass || permutation == MixingPermutation::DifferentClass;
}

MixingPlan drawMixingPlan(const MixingSettings& settings, const int64_t* labels, int64_t rows, uint64_t seed)
{
    if (!settings.enabled || settings.alpha <= 0.0 || rows <= 1 || settings.probability <= 0.0)
        return {};
    SplitMix64 random(seed);
    if (settings.probability < 1.0) {
        const double u = double(random.next() >> 11) * 0x1.0p-53;  // uniform in [0, 1), 53 bits
        if (!(u < settings.probability))
            return {};
    }
    MixingPlan plan;
    plan.site = settings.site;
    plan.detachPartner = settings.partnerGradient == MixingPartnerGradient::Detached;
    plan.mixLabels = settings.mixLabels;
    plan.partner = drawPartners(settings.permutation, labels, rows, random);
    std::vector<int64_t> partnered;  // rows with a partner other than themselves, in batch order
    for (int64_t i = 0; i < rows; ++i)
        if (plan.partner[size_t(i)] != i)
            partnered.push_back(i);
    if (partnered.empty())
        return {};
    plan.weight.assign(size_t(rows), 0.0);
    if (settings.form == MixingForm::Convex) {
        for (int64_t i : partnered)
            plan.weight[size_t(i)] = settings.alpha;
        return plan;
    }
    const int64_t available = int64_t(partnered.size());
    const int64_t swapped = std::min<int64_t>(available, std::llround(settings.alpha * double(available)));
    if (swapped == 0)
        return {};
    for (int64_t t = 0; t < swapped; ++t) {
        std::swap(partnered[size_t(t)], partnered[size_t(t) + random.below(uint64_t(available - t))]);
        plan.weight[size_t(partnered[size_t(t)])] = 1.0;
    }
    return plan;
}

}  // namespace grokscope
