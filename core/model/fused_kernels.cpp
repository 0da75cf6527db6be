#include "model/fused_kernels.h"

#include <cmath>

namespace grokscope::fused {

// One loop per kind so that ReLU's vectorises.
void biasAndActivate(Activation kind, const float* bias, float* pre, float* hidden, int64_t rows, int64_t width)
{
    for (int64_t b = 0; b < rows; ++b) {
        float* x = pre + b * width;
        float* y = hidden + b * width;
        if (kind == Activation::Relu) {
            for (int64_t i = 0; i < width; ++i) {
                x[i] += bias[i];
                y[i] = x[i] > 0.0f ? x[i] : 0.0f;
            }
            continue;
        }
        for (int64_t i = 0; i < width; ++i) {
            x[i] += bias[i];
            y[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * float(M_SQRT1_2)));
        }
    }
}

void mixRows(const float* x, float* out, const int64_t* partner, const double* weight, int64_t rows, int64_t width)
{
    for (int64_t i = 0; i < rows; ++i) {
        const float keep = float(1.0 - weight[i]), take = float(weight[i]);
        const float* own = x + i * width;
        const float* other = x + partner[i] * width;
        for (int64_t k = 0; k < width; ++k)
            out[i * width + k] = own[k] * keep + other[k] * take;
    }
}

void unmixRows(const float* dOut, float* dx, const int64_t* partner, const double* weight, int64_t rows,
               int64_t width, bool detachPartner)
{
    for (int64_t i = 0; i < rows; ++i) {
        const float keep = float(1.0 - weight[i]);
        for (int64_t k = 0; k < width; ++k)
            dx[i * width + k] = dOut[i * width + k] * keep;
    }
    if (detachPartner)
        return;
    for (int64_t k = 0; k < rows; ++k)
        axpy(float(weight[k]), dOut + k * width, dx + partner[k] * width, width);
}

void partnerLabelsOf(const int64_t* labels, const int64_t* partner, int64_t rows, int64_t* partnerLabels)
{
    for (int64_t i = 0; i < rows; ++i)
        partnerLabels[i] = labels[partner[i]];
}

}  // namespace grokscope::fused
