#pragma once
// The hand-written steps' gradients against autograd's, tensor by tensor: the largest
// difference in each parameter tensor, relative to that tensor's largest gradient entry,
// must stay within `tolerance` (tst_fused_transformer, tst_fused_mlp). Returns the worst
// ratio seen. QVERIFY failures end the calling test through QTest's failure state.

#include "model/parameter_store.h"

#include <torch/torch.h>

#include <QtTest>

#include <algorithm>

inline double compareGradientsPerTensor(const grokscope::ParameterStore& store, const torch::Tensor& expected,
                                        const torch::Tensor& got, double tolerance)
{
    double worst = 0.0;
    [&] {
        QVERIFY(torch::isfinite(got).all().item<bool>());  // every entry written
        int64_t offset = 0;
        for (size_t i = 0; i < store.views().size(); ++i) {
            const int64_t n = store.views()[i].numel();
            const torch::Tensor e = expected.narrow(0, offset, n), g = got.narrow(0, offset, n);
            const double scale = e.abs().max().item<double>(), error = (e - g).abs().max().item<double>();
            QVERIFY2(scale > 0.0, qPrintable(QString::fromStdString(store.names()[i]) + " has no gradient"));
            QVERIFY2(error <= tolerance * scale, qPrintable(QString("%1: error %2 of scale %3")
                                                                .arg(QString::fromStdString(store.names()[i]))
                                                                .arg(error)
                                                                .arg(scale)));
            worst = std::max(worst, error / scale);
            offset += n;
        }
    }();
    return worst;
}
