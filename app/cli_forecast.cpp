#include "cli_forecast.h"

#include "forecast_runs.h"

#include "io/config_json.h"
#include "io/run_log.h"
#include "metrics/forecast.h"

#include <cmath>
#include <iomanip>
#include <iostream>
#include <set>
#include <sstream>

namespace grokscope::cli {

namespace {

std::string fixed(double value, int decimals)
{
    std::ostringstream out;
    out << std::fixed << std::setprecision(decimals) << value;
    return out.str();
}

}  // namespace

int forecastCommand(const Arguments& args)
{
    if (!args.overrides.empty())
        throw ConfigError("forecast: takes run directories, not config overrides (" + args.overrides.front() + ")");
    if (args.positional.empty())
        throw ConfigError("forecast: name the run directories to fit, e.g. grokscope-cli forecast runs/z97-add-s*");
    std::vector<ForecastRun> runs;
    std::optional<double> threshold;
    if (const auto given = args.option("threshold")) {
        // H* is a normalised entropy, as metrics.entropy_threshold: [0, 1].
        std::size_t used = 0;
        try {
            threshold = std::stod(*given, &used);
        } catch (const std::exception&) {
        }
        if (!threshold || used != given->size() || !(*threshold >= 0.0 && *threshold <= 1.0))
            throw ConfigError("--threshold: expected a number from 0 to 1, got \"" + *given + "\"");
    }
    const bool allEvaluations = args.has("all-evaluations");
    std::set<double> thresholds;
    for (const std::string& directory : args.positional) {
        const RunLog log = readRunLog(directory);
        for (const std::string& warning : log.warnings)
            std::cerr << "warning: " << directory << ": " << warning << "\n";
        thresholds.insert(effectiveEntropyThreshold(log.config));
        runs.push_back(report::forecastRunOf(log, allEvaluations));
        std::cout << directory << ": seed " << runs.back().seed << ", T_grok "
                  << (std::isfinite(runs.back().grokStep) ? fixed(runs.back().grokStep, 0) : "not reached") << ", "
                  << runs.back().evaluations.size() << " spectrum evaluations\n";
    }
    if (!threshold) {
        if (thresholds.size() > 1)
            throw ConfigError("forecast: the runs use different H* values; choose one with --threshold");
        threshold = *thresholds.begin();
    }
    const std::vector<ForecastPoint> points = pooledForecastPoints(runs);
    const ForecastFit fit = fitGrokForecast(points, *threshold);
    std::cout << "\nfit of T_grok - t = C1 (H~ - H*)^gamma + C2 with H* = " << *threshold << " on " << fit.pointCount
              << " points (H~ > H*) of " << points.size() << " before T_grok"
              << (allEvaluations ? "" : ", from memorisation on") << ":\n"
              << "  C1 = " << fit.c1 << ", gamma = " << fit.gamma << ", C2 = " << fit.c2 << "\n"
              << "  R^2 = " << fixed(fit.rSquared, 3) << ", residual SD = " << fixed(fit.residualSdSteps, 0)
              << " steps" << (fit.converged ? "" : "  (did not converge)") << "\n"
              << "  paper: C1 = 2.45e5, gamma = 1.65, C2 ~ 0, R^2 = 0.543, residual SD ~3,000\n";

    const LeaveOneSeedOutResult loso = leaveOneSeedOut(runs, *threshold);
    std::cout << "\nleave-one-seed-out (fit on the other seeds, forecast this one):\n";
    for (const HeldOutRun& held : loso.runs)
        std::cout << "  seed " << held.seed << ": T_grok " << fixed(held.grokStep, 0) << ", error at the last evaluation "
                  << fixed(held.lastErrorPercent, 1) << " %, under 20 % from " << fixed(held.warningSteps, 0)
                  << " steps before T_grok" << (held.fitConverged ? "" : " (fit did not converge)") << "\n";
    std::cout << "  mean absolute percentage error at T_grok - 1 evaluation: " << fixed(loso.meanLastErrorPercent, 2)
              << " % (paper 3.21 %)\n"
              << "  mean warning (error stays under 20 %): " << fixed(loso.meanWarningSteps, 0)
              << " steps before T_grok (paper ~12,000)\n"
              << "  runs evaluated " << loso.runsEvaluated << ", within 20 % at the end " << loso.runsWithinTolerance
              << "\n";
    if (fit.converged)
        std::cout << "\nfor a preset's live forecast:\n  \"metrics\": {\"forecast_c1\": " << fit.c1
                  << ", \"forecast_gamma\": " << fit.gamma << ", \"forecast_c2\": " << fit.c2
                  << ", \"forecast_residual_sd_steps\": " << fixed(fit.residualSdSteps, 0) << "}\n";
    return fit.converged ? 0 : 5;
}

}  // namespace grokscope::cli
