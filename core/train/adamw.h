#pragma once
// AdamW (Loshchilov & Hutter) on the flat parameter buffer: the same arithmetic, in
// the same order, as torch.optim.AdamW in PyTorch 1.13, but one tensor operation
// per line instead of one per parameter tensor. Internal to core.

#include "model/parameter_store.h"
#include "config/train_config.h"

namespace grokscope {

class WorkerPool;

class AdamW {
public:
    AdamW(ParameterStore& parameters, const OptimConfig& config);
    void step(double learningRate);
    // Splits the CPU update across this pool's threads (it must outlive the optimiser).
    void setPool(WorkerPool* pool) { m_pool = pool; }
    void save(torch::serialize::OutputArchive& archive) const;
    void load(torch::serialize::InputArchive& archive, torch::Device device);

private:
    ParameterStore& m_parameters;
    OptimConfig m_config;
    torch::Tensor m_expAvg, m_expAvgSq, m_denominator;
    long m_stepCount = 0;
    WorkerPool* m_pool = nullptr;
};

}  // namespace grokscope
