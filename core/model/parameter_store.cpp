#include "model/parameter_store.h"

#include <stdexcept>

namespace grokscope {

int ParameterStore::declare(const std::string& name, std::vector<int64_t> shape, InitRule init)
{
    if (m_values.defined())
        throw std::logic_error("ParameterStore: declare after materialise");
    int64_t numel = 1;
    for (int64_t s : shape)
        numel *= s;
    m_names.push_back(name);
    m_specs.push_back({std::move(shape), init, m_total, numel});
    m_total += numel;
    m_views.emplace_back();
    return static_cast<int>(m_views.size()) - 1;
}

void ParameterStore::materialise(uint64_t seed, torch::Device device, double scale)
{
    // Initialise on the CPU with a private generator so the same seed gives the same
    // weights on every device and in the PyTorch peer (torch.Generator().manual_seed).
    auto generator = at::detail::createCPUGenerator(seed);
    torch::Tensor cpu = torch::empty({m_total}, torch::kFloat32);
    for (const Spec& spec : m_specs) {
        torch::Tensor slice = cpu.narrow(0, spec.offset, spec.numel);
        switch (spec.init.kind) {
        case InitRule::Kind::Normal: slice.normal_(0.0, spec.init.scale, generator); break;
        case InitRule::Kind::Uniform: slice.uniform_(-spec.init.scale, spec.init.scale, generator); break;
        case InitRule::Kind::Zeros: slice.zero_(); break;
        case InitRule::Kind::Ones: slice.fill_(1.0); break;
        }
    }
    if (scale != 1.0)  // skipped at 1 so that the default stays bit for bit what it was
        cpu.mul_(scale);
    m_values = cpu.to(device);
    m_gradients = torch::zeros_like(m_values);
    for (size_t i = 0; i < m_specs.size(); ++i) {
        const Spec& spec = m_specs[i];
        torch::Tensor view = m_values.narrow(0, spec.offset, spec.numel).view(spec.shape);
        view.requires_grad_(true);
        // Autograd accumulates into an existing .grad in place (backward runs without
        // grad mode), so every gradient lands directly in the flat gradient buffer.
        view.mutable_grad() = m_gradients.narrow(0, spec.offset, spec.numel).view(spec.shape);
        m_views[i] = view;
    }
}

void ParameterStore::assign(const torch::Tensor& flat)
{
    if (flat.numel() != m_total)
        throw std::runtime_error("checkpoint has " + std::to_string(flat.numel())
                                 + " parameters, the model expects " + std::to_string(m_total));
    torch::NoGradGuard noGrad;
    m_values.copy_(flat.reshape({m_total}));
}

}  // namespace grokscope
