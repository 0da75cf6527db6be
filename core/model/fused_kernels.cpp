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

}  // namespace grokscope::fused
