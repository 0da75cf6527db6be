// Known answers for the grokking forecast ΔT = C₁ (H̃ − H̃*)^γ + C₂ (docs/science.md,
// "Forecast"): synthetic runs generated from the model itself must give its parameters
// back, and a leave-one-seed-out on them must be nearly error-free.

#include "metrics/forecast.h"

#include "tasks/seeded_random.h"

#include <QtTest>
#include <cmath>
#include <limits>

using namespace grokscope;

namespace {

constexpr double kThreshold = 0.609;  // H̃* for mod-97 addition
constexpr double kPaperC1 = 2.45e5;
constexpr double kPaperGamma = 1.65;
constexpr double kEvalEverySteps = 200.0;

bool near(double actual, double expected, double tolerance)
{
    return std::abs(actual - expected) <= tolerance;
}

bool relativelyNear(double actual, double expected, double relativeTolerance)
{
    return std::abs(actual - expected) <= relativeTolerance * std::abs(expected);
}

struct Model {
    double c1 = kPaperC1;
    double gamma = kPaperGamma;
    double c2 = 0.0;
};

// Deterministic N(0, 1) draws (Box–Muller on SplitMix64).
class NormalSource {
public:
    explicit NormalSource(uint64_t seed) : m_random(seed) {}
    double next()
    {
        const double u1 = (double(m_random.next() >> 11) + 0.5) / 9007199254740992.0;
        const double u2 = double(m_random.next() >> 11) / 9007199254740992.0;
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
    }

private:
    SplitMix64 m_random;
};

// A run whose H̃ trajectory inverts the model: H̃(t) = H̃* + ((ΔT + ε − C₂)/C₁)^(1/γ),
// evaluated every 200 steps from 0 to T_grok + 1,000. Where ΔT + ε ≤ C₂ the model has
// no H̃ above H̃*: those evaluations, and those after T_grok, sit below the threshold.
ForecastRun syntheticRun(uint64_t seed, double grokStep, const Model& model, double noiseSdSteps = 0.0)
{
    NormalSource noise(seed * 7919 + 1);
    ForecastRun run;
    run.seed = seed;
    run.grokStep = grokStep;
    for (double t = 0.0; t <= grokStep + 1000.0; t += kEvalEverySteps) {
        const double stepsLeft = grokStep - t + noiseSdSteps * noise.next();
        const double powered = (stepsLeft - model.c2) / model.c1;
        const double entropy = t < grokStep && powered > 0.0 ? kThreshold + std::pow(powered, 1.0 / model.gamma)
                                                             : kThreshold - 0.01;
        run.evaluations.push_back({t, entropy});
    }
    return run;
}

std::vector<ForecastRun> syntheticRuns(const Model& model, double noiseSdSteps = 0.0)
{
    std::vector<ForecastRun> runs;
    // T_grok from 10,100 to 19,100: the paper's mean is 14,360.
    for (uint64_t seed = 0; seed < 10; ++seed)
        runs.push_back(syntheticRun(seed, 10100.0 + 1000.0 * double(seed), model, noiseSdSteps));
    return runs;
}

}  // namespace

class TestForecast : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void predictionFollowsTheFormula()
    {
        ForecastFit fit;
        fit.entropyThreshold = kThreshold;
        fit.c1 = kPaperC1;
        fit.gamma = kPaperGamma;
        fit.c2 = 250.0;
        // Gap 0.1: 2.45e5 · 0.1^1.65 = 2.45e5 · 10^−1.65 = 5484.87…
        const double expected = 1000.0 + kPaperC1 * std::pow(10.0, -1.65) + 250.0;
        QVERIFY(near(expected, 6734.87, 0.01));
        QVERIFY(near(predictGrokStep(fit, 1000.0, 0.709), expected, 1e-6));
        // At or below H̃* the gap is clipped: grokking is due C₂ steps from now.
        QCOMPARE(predictGrokStep(fit, 5000.0, kThreshold), 5250.0);
        QCOMPARE(predictGrokStep(fit, 5000.0, 0.5), 5250.0);
    }

    void predictionIntervalUsesNormalQuantile()
    {
        QVERIFY(near(standardNormalQuantile(0.975), 1.959963984540054, 1e-9));
        QVERIFY(near(standardNormalQuantile(0.5), 0.0, 1e-12));
        QVERIFY(near(standardNormalQuantile(0.8413447460685429), 1.0, 1e-9));  // Φ(1)
        QVERIFY(near(standardNormalQuantile(0.025), -1.959963984540054, 1e-9));
        ForecastFit fit;
        fit.entropyThreshold = kThreshold;
        fit.c1 = kPaperC1;
        fit.gamma = kPaperGamma;
        fit.residualSdSteps = 3000.0;  // the paper's residual SD
        const GrokPrediction prediction = predictGrokStepWithInterval(fit, 1000.0, 0.709);
        QVERIFY(near(prediction.grokStep, predictGrokStep(fit, 1000.0, 0.709), 1e-9));
        QVERIFY(near(prediction.halfWidthSteps, 1.959963984540054 * 3000.0, 1e-5));
        QVERIFY(near(predictGrokStepWithInterval(fit, 1000.0, 0.709, 0.6826894921370859).halfWidthSteps,
                     3000.0, 1e-5));
    }

    void recoversPaperParametersWithoutNoise()
    {
        const std::vector<ForecastPoint> points = pooledForecastPoints(syntheticRuns(Model{}));
        // Evaluations at 0, 200, … strictly before T_grok = 10,100 + 1,000 s: 51 + 5 s each.
        QCOMPARE(points.size(), std::size_t(10 * 51 + 5 * 45));
        const ForecastFit fit = fitGrokForecast(points, kThreshold);
        QVERIFY(fit.converged);
        QCOMPARE(fit.pointCount, points.size());
        QCOMPARE(fit.entropyThreshold, kThreshold);
        QVERIFY2(relativelyNear(fit.c1, kPaperC1, 1e-6), qPrintable(QString::number(fit.c1, 'g', 12)));
        QVERIFY2(relativelyNear(fit.gamma, kPaperGamma, 1e-7), qPrintable(QString::number(fit.gamma, 'g', 12)));
        QVERIFY2(near(fit.c2, 0.0, 1e-3), qPrintable(QString::number(fit.c2, 'g', 12)));
        QVERIFY(near(fit.rSquared, 1.0, 1e-12));
        QVERIFY(fit.residualSdSteps < 1e-3);
    }

    void recoversNonzeroOffsetAndExcludesPointsBelowThreshold()
    {
        Model model;
        model.c1 = 1.2e5;
        model.gamma = 2.1;
        model.c2 = 1500.0;
        const std::vector<ForecastPoint> points = pooledForecastPoints(syntheticRuns(model));
        const ForecastFit fit = fitGrokForecast(points, kThreshold);
        // Within 1,500 steps of T_grok the model has no H̃ above H̃*: evaluations
        // T_grok − 1,500 ≤ t < T_grok (8 per run) sit below it and are excluded.
        QCOMPARE(fit.pointCount, points.size() - 10 * 8);
        QVERIFY(fit.converged);
        QVERIFY2(relativelyNear(fit.c1, model.c1, 1e-6), qPrintable(QString::number(fit.c1, 'g', 12)));
        QVERIFY2(relativelyNear(fit.gamma, model.gamma, 1e-7), qPrintable(QString::number(fit.gamma, 'g', 12)));
        QVERIFY2(near(fit.c2, model.c2, 1e-3), qPrintable(QString::number(fit.c2, 'g', 12)));
        QVERIFY(near(fit.rSquared, 1.0, 1e-12));
    }

    void recoversParametersUnderNoise()
    {
        // ΔT observed with N(0, 300²) noise, a tenth of the paper's residual SD.
        const ForecastFit fit = fitGrokForecast(pooledForecastPoints(syntheticRuns(Model{}, 300.0)), kThreshold);
        QVERIFY(fit.converged);
        const QString report = QStringLiteral("C1 %1 gamma %2 C2 %3 R2 %4 sd %5")
                                   .arg(fit.c1).arg(fit.gamma).arg(fit.c2).arg(fit.rSquared).arg(fit.residualSdSteps);
        QVERIFY2(relativelyNear(fit.c1, kPaperC1, 0.05), qPrintable(report));
        QVERIFY2(relativelyNear(fit.gamma, kPaperGamma, 0.02), qPrintable(report));
        QVERIFY2(near(fit.c2, 0.0, 150.0), qPrintable(report));
        QVERIFY2(relativelyNear(fit.residualSdSteps, 300.0, 0.1), qPrintable(report));
        QVERIFY2(fit.rSquared > 0.99 && fit.rSquared < 1.0, qPrintable(report));
    }

    void tooFewPointsDoNotFit()
    {
        const std::vector<ForecastPoint> points{{0, 0.70, 10000}, {200, 0.69, 10000}, {400, 0.60, 10000}};
        const ForecastFit fit = fitGrokForecast(points, kThreshold);
        QCOMPARE(fit.pointCount, std::size_t(2));
        QVERIFY(!fit.converged);
        QVERIFY(std::isnan(fit.c1) && std::isnan(fit.gamma) && std::isnan(fit.rSquared));
        QVERIFY(std::isnan(predictGrokStep(fit, 0.0, 0.7)));
    }

    void leaveOneSeedOutIsExactOnModelRuns()
    {
        std::vector<ForecastRun> runs = syntheticRuns(Model{});
        ForecastRun neverGrokked;
        neverGrokked.seed = 99;
        neverGrokked.grokStep = std::numeric_limits<double>::quiet_NaN();
        neverGrokked.evaluations = {{0, 0.95}, {200, 0.9}, {400, 0.85}};
        runs.push_back(neverGrokked);

        const LeaveOneSeedOutResult result = leaveOneSeedOut(runs, kThreshold);
        QCOMPARE(result.runs.size(), std::size_t(10));
        QCOMPARE(result.runsEvaluated, std::size_t(10));
        QCOMPARE(result.runsWithinTolerance, std::size_t(10));
        QVERIFY2(result.meanLastErrorPercent < 1e-6, qPrintable(QString::number(result.meanLastErrorPercent)));
        // Every forecast is right from step 0, so the warning is all of T_grok: mean 14,600.
        QVERIFY(near(result.meanWarningSteps, 14600.0, 1e-9));
        for (const HeldOutRun& held : result.runs) {
            QVERIFY(held.fitConverged);
            QCOMPARE(held.steps.back(), held.grokStep - 100.0);  // the last evaluation before T_grok
            QCOMPARE(held.steps.size(), held.predictedGrokSteps.size());
            for (double predicted : held.predictedGrokSteps)
                QVERIFY(relativelyNear(predicted, held.grokStep, 1e-8));
        }
    }

    void leaveOneSeedOutMeasuresWhenTheErrorSettles()
    {
        // Seed 10's entropy falls as if C₁ were doubled, so a fit on the other (exact)
        // runs forecasts only half of its remaining wait: error 50·ΔT/T_grok %. With
        // T_grok = 20,100 it is under 20 % once ΔT < 8,040, from t = 12,200 (ΔT = 7,900,
        // 19.65 %; at t = 12,000 it is 20.15 %): a warning of 7,900 steps.
        // At t = 20,000, ΔT = 100: 50 · 100 / 20,100 = 0.2488 %.
        std::vector<ForecastRun> runs = syntheticRuns(Model{});
        Model doubled;
        doubled.c1 = 2.0 * kPaperC1;
        runs.push_back(syntheticRun(10, 20100.0, doubled));
        const LeaveOneSeedOutResult result = leaveOneSeedOut(runs, kThreshold);
        QCOMPARE(result.runs.size(), std::size_t(11));
        const HeldOutRun& odd = result.runs.back();
        QCOMPARE(odd.seed, uint64_t(10));
        QVERIFY(odd.fitConverged);
        QVERIFY2(near(odd.lastErrorPercent, 5000.0 / 20100.0, 1e-6), qPrintable(QString::number(odd.lastErrorPercent)));
        QCOMPARE(odd.warningSteps, 7900.0);
        QVERIFY(near(odd.absolutePercentageErrors.front(), 50.0, 1e-6));  // t = 0: half of T_grok
        // The stricter the tolerance, the shorter the warning: 5 % needs ΔT < 2,010.
        LeaveOneSeedOutOptions strict;
        strict.tolerancePercent = 5.0;
        const LeaveOneSeedOutResult strictResult = leaveOneSeedOut(runs, kThreshold, strict);
        QCOMPARE(strictResult.runs.back().warningSteps, 1900.0);
        QVERIFY(strictResult.meanLastErrorPercent > 0.0);
    }

    void aForecastWiderThanHalfItsStepIsWithheld()
    {
        QVERIFY(!isInformative(550.0, 5880.0));  // z23-quick's early forecast
        QVERIFY(isInformative(6000.0, 3000.0));  // exactly ±50 %
        QVERIFY(!isInformative(6000.0, 3000.5));
        QVERIFY(isInformative(6000.0, 0.0));
        QVERIFY(!isInformative(6000.0, std::numeric_limits<double>::quiet_NaN()));
        QVERIFY(!isInformative(-10.0, 1.0));
    }
};

QTEST_APPLESS_MAIN(TestForecast)
#include "tst_forecast.moc"
