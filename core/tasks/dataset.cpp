#include "tasks/dataset.h"

#include "tasks/seeded_random.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace grokscope {

void Dataset::tokensOf(int pair, int* out) const
{
    out[0] = table.left[pair];
    out[1] = table.right[pair];
    if (sequenceLength == 3)
        out[2] = equalsTokenId;
}

Dataset buildDataset(const TaskConfig& task, const MetricsConfig& metrics)
{
    if (!(task.trainFraction > 0.0 && task.trainFraction < 1.0))
        throw std::invalid_argument("task.train_fraction: must lie strictly between 0 and 1, got "
                                    + std::to_string(task.trainFraction));
    Dataset data;
    data.table = buildGroupTable(task);
    data.sequenceLength = task.equalsToken ? 3 : 2;
    data.equalsTokenId = task.equalsToken ? data.table.numOperands : -1;
    data.vocabularySize = data.table.numOperands + (task.equalsToken ? 1 : 0);

    const int total = data.table.size();
    const int trainCount = static_cast<int>(std::lround(task.trainFraction * total));
    if (trainCount < 1 || trainCount >= total)
        throw std::invalid_argument("task.train_fraction: leaves an empty train or test set ("
                                    + std::to_string(trainCount) + " of " + std::to_string(total)
                                    + " pairs)");

    std::vector<int> order(total);
    std::iota(order.begin(), order.end(), 0);
    SplitMix64 splitRandom(streamSeed(task.dataSeed, kSplitStream, 0));
    seededShuffle(order, splitRandom);
    data.trainPairs.assign(order.begin(), order.begin() + trainCount);
    data.testPairs.assign(order.begin() + trainCount, order.end());
    // Sorted so evaluation walks memory in order; membership is what the seed fixes.
    std::sort(data.trainPairs.begin(), data.trainPairs.end());
    std::sort(data.testPairs.begin(), data.testPairs.end());

    const auto& probeFrom = metrics.probeSource == ProbeSource::Train ? data.trainPairs : data.testPairs;
    if (metrics.probeSize < 2)
        throw std::invalid_argument("metrics.probe_size: must be at least 2, got "
                                    + std::to_string(metrics.probeSize));
    std::vector<int> probeOrder = probeFrom;
    SplitMix64 probeRandom(streamSeed(task.dataSeed, kProbeStream, 0));
    seededShuffle(probeOrder, probeRandom);
    const size_t probeCount = std::min<size_t>(metrics.probeSize, probeOrder.size());
    data.probePairs.assign(probeOrder.begin(), probeOrder.begin() + probeCount);
    return data;
}

}  // namespace grokscope
