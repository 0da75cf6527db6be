// Known answers for the mixing lever's plans (model/mixing_plan.h): every permutation
// kind is a permutation without a fixed point wherever a row has a partner; the
// class-based kinds pair by label as documented; swap and probability draw exactly
// what they say; the default plan is the lever's original Sattolo cycle, draw for
// draw; the uniform derangement is uniform (chi-square). And the row kernels the fused
// steps mix with (model/fused_kernels.h): the lever's original bits at one weight, and
// no gradient into a detached partner's share. And the events of a change of settings.

#include "model/fused_kernels.h"
#include "model/mixing_plan.h"
#include "tasks/seeded_random.h"
#include "train/interventions.h"

#include <QtTest>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <stdexcept>

using namespace grokscope;

namespace {

// The lever's draw before it had variants (train/interventions.cpp, randomDerangement),
// verbatim but for the container: Sattolo's algorithm.
std::vector<int64_t> originalSattoloCycle(int64_t size, uint64_t seed)
{
    std::vector<int64_t> p(static_cast<size_t>(size));
    std::iota(p.begin(), p.end(), 0);
    SplitMix64 random(seed);
    for (int64_t i = size - 1; i > 0; --i)
        std::swap(p[size_t(i)], p[random.below(static_cast<uint64_t>(i))]);
    return p;
}

// The lever's original row kernels (model/fused_kernels.cpp before per-row weights),
// verbatim.
void originalMixRows(const float* x, float* out, const int64_t* permutation, int64_t rows, int64_t width,
                     double alpha)
{
    const float keep = float(1.0 - alpha), take = float(alpha);
    for (int64_t i = 0; i < rows; ++i) {
        const float* own = x + i * width;
        const float* other = x + permutation[i] * width;
        for (int64_t k = 0; k < width; ++k)
            out[i * width + k] = own[k] * keep + other[k] * take;
    }
}

void originalUnmixRows(const float* dOut, float* dx, const int64_t* permutation, int64_t rows, int64_t width,
                       double alpha)
{
    const float keep = float(1.0 - alpha), take = float(alpha);
    for (int64_t i = 0; i < rows * width; ++i)
        dx[i] = dOut[i] * keep;
    for (int64_t k = 0; k < rows; ++k)
        for (int64_t i = 0; i < width; ++i)
            dx[permutation[k] * width + i] += take * dOut[k * width + i];
}

MixingSettings settingsOf(MixingPermutation permutation, MixingForm form = MixingForm::Convex, double alpha = 0.3)
{
    MixingSettings s;
    s.enabled = true;
    s.alpha = alpha;
    s.permutation = permutation;
    s.form = form;
    return s;
}

// `rows` labels drawn from `classes` values.
std::vector<int64_t> randomLabels(int64_t rows, int64_t classes, uint64_t seed)
{
    SplitMix64 random(seed);
    std::vector<int64_t> labels(static_cast<size_t>(rows));
    for (int64_t& label : labels)
        label = int64_t(random.below(uint64_t(classes)));
    return labels;
}

bool isPermutation(const std::vector<int64_t>& p)
{
    std::vector<int64_t> sorted = p;
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 0; i < sorted.size(); ++i)
        if (sorted[i] != int64_t(i))
            return false;
    return true;
}

int64_t cycleLength(const std::vector<int64_t>& p, int64_t from)
{
    int64_t length = 1;
    for (int64_t i = p[size_t(from)]; i != from; i = p[size_t(i)])
        ++length;
    return length;
}

std::vector<float> randomRows(int64_t rows, int64_t width, uint64_t seed)
{
    SplitMix64 random(seed);
    std::vector<float> x(static_cast<size_t>(rows * width));
    for (float& v : x)
        v = float(double(random.next() >> 11) * 0x1.0p-53 * 4.0 - 2.0);
    return x;
}

// χ² of observed counts against equal expected frequencies.
double chiSquare(const std::map<std::vector<int64_t>, long>& counts, long draws)
{
    const double expected = double(draws) / double(counts.size());
    double sum = 0.0;
    for (const auto& [permutation, count] : counts)
        sum += (double(count) - expected) * (double(count) - expected) / expected;
    return sum;
}

const int64_t kSizes[] = {2, 3, 4, 5, 8, 17, 64, 512};

}  // namespace

class TestMixingPlan : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // At the defaults (probability 1, convex, cycle, through) the plan is the original
    // draw element for element, from the same seed: runs keep their numbers.
    void theDefaultPlanIsTheOriginalSattoloCycle()
    {
        const MixingSettings defaults = settingsOf(MixingPermutation::Cycle);
        QVERIFY(defaults.form == MixingSettings{}.form && defaults.permutation == MixingSettings{}.permutation);
        QCOMPARE(defaults.probability, 1.0);
        for (int64_t rows : kSizes)
            for (long step = 1; step <= 200; ++step) {
                const uint64_t seed = streamSeed(42, kMixingStream, uint64_t(step));
                const MixingPlan plan = drawMixingPlan(defaults, nullptr, rows, seed);
                QVERIFY(plan.partner == originalSattoloCycle(rows, seed));
                QVERIFY(plan.weight == std::vector<double>(size_t(rows), 0.3));
                QVERIFY(plan.uniformWeight() && !plan.detachPartner && !plan.mixLabels);
                QVERIFY(plan.site == MixingSite::FinalResidual);
            }
    }

    void noFixedPointWhereAPartnerExists_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<int>("classes");  // labels drawn from this many values
        QTest::newRow("cycle") << int(MixingPermutation::Cycle) << 5;
        QTest::newRow("derangement") << int(MixingPermutation::Derangement) << 5;
        QTest::newRow("same_class, 2 labels") << int(MixingPermutation::SameClass) << 2;
        QTest::newRow("same_class, 7 labels") << int(MixingPermutation::SameClass) << 7;
        QTest::newRow("different_class, 2 labels") << int(MixingPermutation::DifferentClass) << 2;
        QTest::newRow("different_class, 7 labels") << int(MixingPermutation::DifferentClass) << 7;
    }

    // π is a permutation of the batch; a row with weight > 0 has π(i) ≠ i; a row with
    // weight 0 (convex) is one whose label occurs once (same_class) and keeps π(i) = i.
    void noFixedPointWhereAPartnerExists()
    {
        QFETCH(int, kind);
        QFETCH(int, classes);
        const MixingSettings settings = settingsOf(MixingPermutation(kind));
        long plans = 0;
        for (int64_t rows : kSizes)
            for (uint64_t seed = 0; seed < 300; ++seed) {
                const std::vector<int64_t> labels = randomLabels(rows, classes, seed + 1000);
                const MixingPlan plan = drawMixingPlan(settings, labels.data(), rows, seed);
                std::map<int64_t, int> count;
                for (int64_t label : labels)
                    ++count[label];
                const bool anyPair =
                    std::any_of(count.begin(), count.end(), [](const auto& c) { return c.second > 1; });
                const bool anyPartner = MixingPermutation(kind) != MixingPermutation::SameClass || anyPair;
                QCOMPARE(!plan.empty(), anyPartner);
                if (plan.empty())
                    continue;
                ++plans;
                QCOMPARE(plan.rows(), rows);
                QVERIFY(isPermutation(plan.partner));
                for (int64_t i = 0; i < rows; ++i) {
                    const bool alone = count[labels[size_t(i)]] == 1;
                    const bool unmixed = MixingPermutation(kind) == MixingPermutation::SameClass && alone;
                    QCOMPARE(plan.weight[size_t(i)], unmixed ? 0.0 : 0.3);
                    QVERIFY2((plan.partner[size_t(i)] == i) == unmixed,
                             qPrintable(QString("B = %1, seed %2, row %3").arg(rows).arg(seed).arg(i)));
                }
            }
        QVERIFY(plans > 1500);  // same_class with 7 labels: about 1,800 of the 2,400 batches pair rows
    }

    // Sattolo's permutation is one cycle through every row.
    void theCycleIsOneCycleThroughTheBatch()
    {
        for (int64_t rows : kSizes)
            for (uint64_t seed = 0; seed < 100; ++seed) {
                const MixingPlan plan = drawMixingPlan(settingsOf(MixingPermutation::Cycle), nullptr, rows, seed);
                QCOMPARE(cycleLength(plan.partner, 0), rows);
            }
    }

    void sameClassPartnersShareTheLabel()
    {
        // Two rows of label 9 (one pair), one of label 4 (alone), three of label 1.
        const std::vector<int64_t> labels{9, 1, 4, 1, 9, 1};
        for (uint64_t seed = 0; seed < 200; ++seed) {
            const MixingPlan plan =
                drawMixingPlan(settingsOf(MixingPermutation::SameClass), labels.data(), 6, seed);
            QCOMPARE(plan.partner[0], int64_t(4));
            QCOMPARE(plan.partner[4], int64_t(0));
            QCOMPARE(plan.partner[2], int64_t(2));
            QCOMPARE(plan.weight[2], 0.0);
            for (int64_t i : {1, 3, 5}) {
                QCOMPARE(labels[size_t(plan.partner[size_t(i)])], int64_t(1));
                QVERIFY(plan.partner[size_t(i)] != i);
                QCOMPARE(cycleLength(plan.partner, i), int64_t(3));
            }
        }
        // Every label once: no row has a partner, so nothing mixes.
        const std::vector<int64_t> distinct{0, 1, 2, 3};
        QVERIFY(drawMixingPlan(settingsOf(MixingPermutation::SameClass), distinct.data(), 4, 1).empty());
        // And in random batches of the task's sizes.
        for (uint64_t seed = 0; seed < 100; ++seed) {
            const std::vector<int64_t> random = randomLabels(512, 97, seed);
            const MixingPlan plan = drawMixingPlan(settingsOf(MixingPermutation::SameClass), random.data(), 512, seed);
            for (int64_t i = 0; i < 512; ++i)
                QCOMPARE(random[size_t(plan.partner[size_t(i)])], random[size_t(i)]);
        }
    }

    // Possible whenever no label fills more than half of the batch: then no partner
    // shares the row's label, at B = 2 and 3 as at 512, with 2 labels as with 97.
    void differentClassPartnersNeverShareTheLabel()
    {
        const MixingSettings settings = settingsOf(MixingPermutation::DifferentClass);
        long checked = 0;
        for (int64_t classes : {2, 3, 5, 97})
            for (int64_t rows : kSizes)
                for (uint64_t seed = 0; seed < 200; ++seed) {
                    const std::vector<int64_t> labels = randomLabels(rows, classes, seed * 7 + 3);
                    std::map<int64_t, int64_t> count;
                    for (int64_t label : labels)
                        ++count[label];
                    int64_t largest = 0;
                    for (const auto& [label, n] : count)
                        largest = std::max(largest, n);
                    if (2 * largest > rows)
                        continue;
                    ++checked;
                    const MixingPlan plan = drawMixingPlan(settings, labels.data(), rows, seed);
                    QVERIFY(isPermutation(plan.partner));
                    for (int64_t i = 0; i < rows; ++i)
                        QVERIFY(labels[size_t(plan.partner[size_t(i)])] != labels[size_t(i)]);
                }
        QVERIFY(checked > 2000);  // of 6,400 batches, those where no label fills more than half
        // The smallest batches: two labels in two rows swap; three distinct labels cycle.
        const std::vector<int64_t> two{5, 8}, three{0, 1, 2};
        const MixingPlan swapped = drawMixingPlan(settings, two.data(), 2, 9);
        QVERIFY((swapped.partner == std::vector<int64_t>{1, 0}));
        QCOMPARE(cycleLength(drawMixingPlan(settings, three.data(), 3, 9).partner, 0), int64_t(3));
    }

    // A label with m > B/2 rows: the other rows all pair outside their label, and
    // exactly 2m − B rows of the large label pair within it (never with themselves).
    // A batch of one label is one cycle through it.
    void differentClassFallsBackWhenOneLabelFillsMoreThanHalf()
    {
        const MixingSettings settings = settingsOf(MixingPermutation::DifferentClass);
        const std::vector<int64_t> labels{3, 3, 1, 3, 3, 2, 3, 3, 3, 0};  // m = 7 of B = 10
        for (uint64_t seed = 0; seed < 200; ++seed) {
            const MixingPlan plan = drawMixingPlan(settings, labels.data(), 10, seed);
            QVERIFY(isPermutation(plan.partner));
            int within = 0;
            for (int64_t i = 0; i < 10; ++i) {
                const int64_t partner = plan.partner[size_t(i)];
                QVERIFY(partner != i);
                if (labels[size_t(partner)] == labels[size_t(i)]) {
                    QCOMPARE(labels[size_t(i)], int64_t(3));
                    ++within;
                }
            }
            QCOMPARE(within, 2 * 7 - 10);
        }
        const std::vector<int64_t> one(16, 4);
        const MixingPlan plan = drawMixingPlan(settings, one.data(), 16, 5);
        QCOMPARE(cycleLength(plan.partner, 0), int64_t(16));
    }

    void classPermutationsNeedTheLabels()
    {
        QVERIFY(!mixingPermutationReadsLabels(MixingPermutation::Cycle));
        QVERIFY(!mixingPermutationReadsLabels(MixingPermutation::Derangement));
        for (MixingPermutation kind : {MixingPermutation::SameClass, MixingPermutation::DifferentClass}) {
            QVERIFY(mixingPermutationReadsLabels(kind));
            QVERIFY_THROWS_EXCEPTION(std::invalid_argument, drawMixingPlan(settingsOf(kind), nullptr, 8, 1));
        }
    }

    // round(α·B) rows get weight 1, the others 0, with the permutation's partners
    // unchanged by the form (the swap rows are drawn after it).
    void swapGivesRoundAlphaBRowsOfWeightOne()
    {
        for (double alpha : {0.05, 0.3, 0.5, 0.75, 1.0})
            for (int64_t rows : kSizes)
                for (uint64_t seed = 0; seed < 50; ++seed) {
                    const MixingSettings swap = settingsOf(MixingPermutation::Cycle, MixingForm::Swap, alpha);
                    const MixingPlan plan = drawMixingPlan(swap, nullptr, rows, seed);
                    const int64_t expected = std::llround(alpha * double(rows));
                    if (expected == 0) {
                        QVERIFY(plan.empty());
                        continue;
                    }
                    QVERIFY(plan.partner == originalSattoloCycle(rows, seed));
                    int64_t ones = 0;
                    for (double w : plan.weight) {
                        QVERIFY(w == 0.0 || w == 1.0);
                        ones += w == 1.0;
                    }
                    QCOMPARE(ones, expected);
                }
        // 0.3 · 512 = 153.6 → 154; and the rows chosen vary with the seed.
        std::set<std::vector<double>> seen;
        for (uint64_t seed = 0; seed < 20; ++seed) {
            const MixingPlan plan =
                drawMixingPlan(settingsOf(MixingPermutation::Derangement, MixingForm::Swap), nullptr, 512, seed);
            QCOMPARE(std::count(plan.weight.begin(), plan.weight.end(), 1.0), std::ptrdiff_t(154));
            seen.insert(plan.weight);
        }
        QCOMPARE(seen.size(), size_t(20));
        // same_class: a fraction of the rows that have a partner (4 of the 6 here), never
        // a row alone in its label.
        const std::vector<int64_t> labels{9, 1, 4, 1, 9, 7};
        for (uint64_t seed = 0; seed < 50; ++seed) {
            const MixingPlan plan = drawMixingPlan(settingsOf(MixingPermutation::SameClass, MixingForm::Swap, 0.5),
                                                   labels.data(), 6, seed);
            QCOMPARE(std::count(plan.weight.begin(), plan.weight.end(), 1.0), std::ptrdiff_t(2));
            QCOMPARE(plan.weight[2], 0.0);
            QCOMPARE(plan.weight[5], 0.0);
        }
    }

    // A step mixes with the given probability: one draw decides, before the
    // permutation's. 4000 steps at q = 0.25: Binomial(4000, 0.25) has mean 1000 and
    // standard deviation 27.4; the band is ±3.3 σ (two-sided 0.001).
    void probabilityMixesThatShareOfSteps()
    {
        MixingSettings settings = settingsOf(MixingPermutation::Cycle);
        settings.probability = 0.25;
        int mixed = 0;
        for (long step = 1; step <= 4000; ++step) {
            const uint64_t seed = streamSeed(7, kMixingStream, uint64_t(step));
            const MixingPlan plan = drawMixingPlan(settings, nullptr, 64, seed);
            SplitMix64 random(seed);
            const bool expected = double(random.next() >> 11) * 0x1.0p-53 < 0.25;
            QCOMPARE(!plan.empty(), expected);
            if (plan.empty())
                continue;
            ++mixed;
            // After the one draw, the permutation's draws as at probability 1.
            std::vector<int64_t> p(64);
            std::iota(p.begin(), p.end(), 0);
            for (int64_t i = 63; i > 0; --i)
                std::swap(p[size_t(i)], p[random.below(uint64_t(i))]);
            QVERIFY(plan.partner == p);
        }
        qInfo("%d of 4000 steps mixed at probability 0.25", mixed);
        QVERIFY2(mixed >= 910 && mixed <= 1090, qPrintable(QString::number(mixed)));
        settings.probability = 1.0;
        for (long step = 1; step <= 200; ++step)
            QVERIFY(!drawMixingPlan(settings, nullptr, 64, streamSeed(7, kMixingStream, uint64_t(step))).empty());
    }

    // Off, α = 0 or a single row: no plan.
    void nothingToMixGivesNoPlan()
    {
        MixingSettings settings = settingsOf(MixingPermutation::Cycle);
        QVERIFY(drawMixingPlan(settings, nullptr, 1, 3).empty());
        settings.alpha = 0.0;
        QVERIFY(drawMixingPlan(settings, nullptr, 8, 3).empty());
        settings = settingsOf(MixingPermutation::Cycle);
        settings.enabled = false;
        QVERIFY(drawMixingPlan(settings, nullptr, 8, 3).empty());
    }

    // Each of the 9 derangements of 4 rows, over 90,000 plans: 10,000 expected each.
    // χ² with 8 degrees of freedom exceeds 26.12 with probability 0.001. Sattolo's
    // cycle, by contrast, draws only the 6 four-cycles (never two swaps).
    void uniformDerangementsAreEquallyLikely()
    {
        std::map<std::vector<int64_t>, long> derangements, cycles;
        const long draws = 90000;
        for (long n = 0; n < draws; ++n) {
            const uint64_t seed = streamSeed(3, kMixingStream, uint64_t(n));
            ++derangements[drawMixingPlan(settingsOf(MixingPermutation::Derangement), nullptr, 4, seed).partner];
            ++cycles[drawMixingPlan(settingsOf(MixingPermutation::Cycle), nullptr, 4, seed).partner];
        }
        QCOMPARE(derangements.size(), size_t(9));
        for (const auto& [p, count] : derangements)
            for (int64_t i = 0; i < 4; ++i)
                QVERIFY(p[size_t(i)] != i);
        const double statistic = chiSquare(derangements, draws);
        qInfo("uniform derangements of 4: chi-square %.2f (8 degrees of freedom)", statistic);
        QVERIFY2(statistic < 26.12, qPrintable(QString::number(statistic)));
        QCOMPARE(cycles.size(), size_t(6));
        for (const auto& [p, count] : cycles)
            QCOMPARE(cycleLength(p, 0), int64_t(4));
        QVERIFY(chiSquare(cycles, draws) < 20.52);  // 5 degrees of freedom, 0.001
    }

    // At one weight α for every row the generalised kernels give the original bits.
    void theRowKernelsKeepTheOriginalBits()
    {
        const int64_t rows = 37, width = 24;
        for (double alpha : {0.3, 0.45, 0.6}) {
            const std::vector<float> x = randomRows(rows, width, 1), dOut = randomRows(rows, width, 2);
            const std::vector<int64_t> partner = originalSattoloCycle(rows, 5);
            const std::vector<double> weight(size_t(rows), alpha);
            std::vector<float> expected(x.size()), got(x.size());
            originalMixRows(x.data(), expected.data(), partner.data(), rows, width, alpha);
            fused::mixRows(x.data(), got.data(), partner.data(), weight.data(), rows, width);
            QVERIFY(std::memcmp(expected.data(), got.data(), got.size() * sizeof(float)) == 0);
            originalUnmixRows(dOut.data(), expected.data(), partner.data(), rows, width, alpha);
            fused::unmixRows(dOut.data(), got.data(), partner.data(), weight.data(), rows, width, false);
            QVERIFY(std::memcmp(expected.data(), got.data(), got.size() * sizeof(float)) == 0);
        }
    }

    // dx_j = (1 − w_j) dout_j for a detached partner: its share of row i's output sends
    // nothing back. Through, it gets w_i dout_i as well. Row 2 is here only a partner
    // (of row 0; its own weight 0, so its gradient is its own, unmixed); row 1 both.
    void aDetachedPartnerGetsNoGradientFromItsShare()
    {
        const int64_t rows = 4, width = 3;
        const std::vector<int64_t> partner{2, 3, 2, 1};
        const std::vector<double> weight{0.4, 0.25, 0.0, 1.0};
        const std::vector<float> dOut = randomRows(rows, width, 9);
        std::vector<float> detached(dOut.size()), through(dOut.size());
        fused::unmixRows(dOut.data(), detached.data(), partner.data(), weight.data(), rows, width, true);
        fused::unmixRows(dOut.data(), through.data(), partner.data(), weight.data(), rows, width, false);
        for (int64_t i = 0; i < rows; ++i)
            for (int64_t k = 0; k < width; ++k) {
                const size_t at = size_t(i * width + k);
                QCOMPARE(detached[at], dOut[at] * float(1.0 - weight[size_t(i)]));
            }
        for (int64_t k = 0; k < width; ++k) {
            QCOMPARE(detached[size_t(2 * width + k)], dOut[size_t(2 * width + k)]);  // as unmixed
            QCOMPARE(through[size_t(2 * width + k)], dOut[size_t(2 * width + k)] + 0.4f * dOut[size_t(k)]);
            QCOMPARE(through[size_t(1 * width + k)],
                     dOut[size_t(width + k)] * 0.75f + 1.0f * dOut[size_t(3 * width + k)]);
        }
    }

    // Default settings name no variant, so the lever's events read as they always did;
    // a variant is named in the labels (probability among the values).
    void eventsNameOnlyTheVariantsThatDifferFromTheDefaults()
    {
        Interventions levers{InterventionConfig{}};
        MixingSettings settings;
        settings.enabled = true;
        const std::optional<RunEvent> plain = levers.setMixing(settings, 5);
        QVERIFY(plain);
        QCOMPARE(plain->labels.size(), size_t(3));
        QCOMPARE(plain->labels.at("site"), std::string("final_residual"));
        QCOMPARE(plain->values.size(), size_t(1));
        QCOMPARE(plain->message, std::string("representation mixing on (alpha 0.3, final_residual) at step 5"));

        settings.form = MixingForm::Swap;
        settings.partnerGradient = MixingPartnerGradient::Detached;
        settings.permutation = MixingPermutation::SameClass;
        settings.probability = 0.5;
        settings.mixLabels = true;
        const std::optional<RunEvent> variant = levers.setMixing(settings, 6);
        QVERIFY(variant);
        QCOMPARE(variant->labels.at("form"), std::string("swap"));
        QCOMPARE(variant->labels.at("partner_gradient"), std::string("detached"));
        QCOMPARE(variant->labels.at("permutation"), std::string("same_class"));
        QCOMPARE(variant->labels.at("labels"), std::string("mixed"));
        QCOMPARE(variant->values.at("probability"), 0.5);
        QVERIFY(!variant->labels.count("at_evaluation"));
        QCOMPARE(variant->message, std::string("representation mixing on (alpha 0.3, final_residual, form swap, "
                                               "partner_gradient detached, permutation same_class, probability "
                                               "0.5, labels mixed) at step 6"));
        QVERIFY(!levers.setMixing(settings, 7));  // no change, no event
    }

    // The lever's plan for a step comes from that step's own stream.
    void theLeversPlanIsTheStepsDraw()
    {
        InterventionConfig config;
        config.mixing = true;
        config.mixingPermutation = MixingPermutation::Derangement;
        Interventions levers(config);
        QVERIFY(levers.mixingPlan(nullptr, 64, 11, 3).empty());  // off until the window opens
        levers.applySchedule(1, 0);
        const MixingPlan plan = levers.mixingPlan(nullptr, 64, 11, 3);
        QVERIFY(plan.partner
                == drawMixingPlan(config.mixingSettings(), nullptr, 64, streamSeed(11, kMixingStream, 3)).partner);
    }
};

QTEST_APPLESS_MAIN(TestMixingPlan)
#include "tst_mixing_plan.moc"
