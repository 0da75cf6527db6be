#include "train/adamw.h"

#include <cmath>

namespace grokscope {

AdamW::AdamW(ParameterStore& parameters, const OptimConfig& config)
    : m_parameters(parameters), m_config(config)
{
    m_expAvg = torch::zeros_like(parameters.flatValues());
    m_expAvgSq = torch::zeros_like(parameters.flatValues());
    m_denominator = torch::empty_like(parameters.flatValues());
}

void AdamW::step(double learningRate)
{
    torch::NoGradGuard noGrad;
    ++m_stepCount;
    torch::Tensor& param = m_parameters.flatValues();
    const torch::Tensor& grad = m_parameters.flatGradients();
    const double beta1 = m_config.beta1, beta2 = m_config.beta2;
    param.mul_(1.0 - learningRate * m_config.weightDecay);
    m_expAvg.mul_(beta1).add_(grad, 1.0 - beta1);
    m_expAvgSq.mul_(beta2).addcmul_(grad, grad, 1.0 - beta2);
    const double biasCorrection1 = 1.0 - std::pow(beta1, double(m_stepCount));
    const double biasCorrection2 = 1.0 - std::pow(beta2, double(m_stepCount));
    const double stepSize = learningRate / biasCorrection1;
    torch::sqrt_out(m_denominator, m_expAvgSq).div_(std::sqrt(biasCorrection2)).add_(m_config.epsilon);
    param.addcdiv_(m_expAvg, m_denominator, -stepSize);
}

void AdamW::save(torch::serialize::OutputArchive& archive) const
{
    archive.write("adamw.exp_avg", m_expAvg.to(torch::kCPU));
    archive.write("adamw.exp_avg_sq", m_expAvgSq.to(torch::kCPU));
    archive.write("adamw.step", torch::tensor(static_cast<int64_t>(m_stepCount)));
}

void AdamW::load(torch::serialize::InputArchive& archive, torch::Device device)
{
    torch::Tensor expAvg, expAvgSq, stepCount;
    archive.read("adamw.exp_avg", expAvg);
    archive.read("adamw.exp_avg_sq", expAvgSq);
    archive.read("adamw.step", stepCount);
    torch::NoGradGuard noGrad;
    m_expAvg.copy_(expAvg.to(device));
    m_expAvgSq.copy_(expAvgSq.to(device));
    m_stepCount = stepCount.item<int64_t>();
}

}  // namespace grokscope
