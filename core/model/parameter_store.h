#pragma once
// All parameters of a model live in one flat tensor, and each named parameter is
// a view into it; the gradients likewise. AdamW, ‖θ‖₂ and the norm-matched
// rescale then each cost one tensor operation instead of one per parameter.
// Internal to core: includes torch.

#include "model/parameter_init.h"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace grokscope {

class ParameterStore {
public:
    // Declare a parameter drawn by `init` (model/parameter_init.h). Returns the index
    // to pass to view().
    int declare(const std::string& name, std::vector<int64_t> shape, InitRule init);
    // Allocate the flat storage on `device`, fill it in declaration order from one
    // generator seeded with `seed`, then multiply every value by `scale`.
    void materialise(uint64_t seed, torch::Device device, double scale = 1.0);

    torch::Tensor& flatValues() { return m_values; }
    torch::Tensor& flatGradients() { return m_gradients; }
    const torch::Tensor& flatValues() const { return m_values; }
    const std::vector<std::string>& names() const { return m_names; }
    const std::vector<torch::Tensor>& views() const { return m_views; }
    const torch::Tensor& view(int index) const { return m_views[index]; }
    int64_t count() const { return m_total; }

    // Overwrite all values (checkpoint load); keeps every view valid.
    void assign(const torch::Tensor& flat);

private:
    struct Spec {
        std::vector<int64_t> shape;
        InitRule init;
        int64_t offset;
        int64_t numel;
    };
    std::vector<std::string> m_names;
    std::vector<Spec> m_specs;
    std::vector<torch::Tensor> m_views;
    torch::Tensor m_values, m_gradients;
    int64_t m_total = 0;
};

}  // namespace grokscope
