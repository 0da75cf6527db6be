#include "forecast_runs.h"

#include <cmath>

namespace grokscope::report {

ForecastRun forecastRunOf(const RunLog& log, bool allEvaluations)
{
    ForecastRun run;
    run.seed = log.config.run.modelSeed;
    const RunEvent* grokked = log.firstEvent("grokked");
    const RunEvent* memorised = log.firstEvent("memorised");
    run.grokStep = grokked ? double(grokked->step) : std::nan("");
    const long from = allEvaluations || !memorised ? 0 : memorised->step;
    for (const EvalSnapshot& s : log.evaluations)
        if (s.entropy && s.step >= from)
            run.evaluations.push_back({double(s.step), *s.entropy});
    return run;
}

}  // namespace grokscope::report
