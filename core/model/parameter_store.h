#pragma once
// All parameters of a model live in one flat tensor, and each named parameter is
// a view into it; the gradients likewise. AdamW, ‖θ‖₂ and the norm-matched
// rescale then each cost one tensor operation instead of one per parameter.
// Internal to core: includes torch.

#include <torch/torch.h>

#include <string>
#include <vector>

namespace grokscope {

class ParameterStore {
public:
    // Declare a parameter; initialised N(0, initStd²) (0 gives zeros, a negative std ones).
    // Returns the index to pass to view().
    int declare(const std::string& name, std::vector<int64_t> shape, double initStd);
    // Allocate the flat storage on `device` and fill it in declaration order from `generator`.
    void materialise(uint64_t seed, torch::Device device);

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
        double initStd;
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
