#include "arm_aggregate.h"

#include "metrics/statistics.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace grokscope::ui {

ArmCurve aggregateArm(const std::vector<SeedCurve>& seeds, BandKind band)
{
    std::map<double, std::vector<double>> byStep;
    for (const SeedCurve& seed : seeds)
        for (int i = 0; i < std::min(seed.steps.size(), seed.values.size()); ++i)
            if (std::isfinite(seed.values[i]))
                byStep[seed.steps[i]].push_back(seed.values[i]);
    const size_t needed = std::max<size_t>(1, (seeds.size() + 1) / 2);
    ArmCurve curve;
    for (const auto& [step, values] : byStep) {
        if (values.size() < needed)
            continue;
        const double centre = mean(values);
        double lower = centre, upper = centre;
        if (band == BandKind::MinMax) {
            const auto [low, high] = std::minmax_element(values.begin(), values.end());
            lower = *low;
            upper = *high;
        } else if (values.size() >= 2) {
            const double n = static_cast<double>(values.size());
            const double half = studentTQuantile(0.975, n - 1.0) * sampleStandardDeviation(values) / std::sqrt(n);
            lower = centre - half;
            upper = centre + half;
        }
        curve.steps << step;
        curve.mean << centre;
        curve.lower << lower;
        curve.upper << upper;
        curve.seeds << static_cast<int>(values.size());
    }
    return curve;
}

}  // namespace grokscope::ui
