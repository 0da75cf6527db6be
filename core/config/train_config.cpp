#include "config/train_config.h"

namespace grokscope {

double paperEntropyThreshold(TaskKind kind)
{
    switch (kind) {
    case TaskKind::Add: return 0.605;
    case TaskKind::Sub: return 0.589;
    case TaskKind::Mul: return 0.589;
    case TaskKind::Permutation: return 0.655;
    case TaskKind::Div: return 0.609;
    }
    return 0.609;
}

double effectiveEntropyThreshold(const TrainConfig& config)
{
    return config.metrics.entropyThreshold.value_or(paperEntropyThreshold(config.task.kind));
}

}  // namespace grokscope
