#pragma once
// A task's table split into train and test by the data seed, plus the token
// layout the models read. Pure data: no torch here.

#include "tasks/group_table.h"

#include <vector>

namespace grokscope {

struct Dataset {
    GroupTable table;
    std::vector<int> trainPairs;  // indices into the table
    std::vector<int> testPairs;
    std::vector<int> probePairs;  // fixed set for the representation covariance
    int sequenceLength = 3;       // 3 with the '=' token, else 2
    int vocabularySize = 0;       // operands, plus one for '='
    int equalsTokenId = -1;

    // Tokens of one pair, written into `out` (sequenceLength ints).
    void tokensOf(int pair, int* out) const;
};

// Throws std::invalid_argument naming the config key when the split is impossible.
Dataset buildDataset(const TaskConfig& task, const MetricsConfig& metrics);

}  // namespace grokscope
