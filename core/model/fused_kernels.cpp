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

void mixRows(const float* x, float* out, const int64_t* permutation, int64_t rows, int64_t width, double alpha)
{
    const float keep = float(1.0 - alpha), take = float(alpha);
    for (int64_t i = 0; i < rows; ++i) {
        const float* own = x + i * width;
        const float* other = x + permutation[i] * width;
        for (int64_t k = 0; k < width; ++k)
            out[i * width + k] = own[k] * keep + other[k] * take;
    }
}

void unmixRows(const float* dOut, float* dx, const int64_t* permutation, int64_t rows, int64_t width, double alpha)
{
    const float keep = float(1.0 - alpha), take = float(alpha);
    for (int64_t i = 0; i < rows * width; ++i)
        dx[i] = dOut[i] * keep;
    for (int64_t k = 0; k < rows; ++k)
        axpy(take, dOut + k * width, dx + permutation[k] * width, width);
}

}  // namespace grokscope::fused
