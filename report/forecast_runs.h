#pragma once
// Run logs → forecast inputs, shared by `forecast` and `replicate`.

#include "io/run_log.h"
#include "metrics/forecast.h"

namespace grokscope::report {

// The run's spectrum evaluations, from memorisation on (phase II, as the live
// forecast) unless `allEvaluations`: before memorisation H̃ moves with the fit itself,
// not with the approach of grokking. grokStep is NaN when the run never grokked.
ForecastRun forecastRunOf(const RunLog& log, bool allEvaluations = false);

}  // namespace grokscope::report
