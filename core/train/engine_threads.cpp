#include "train/engine_threads.h"

#include <torch/torch.h>

#include <thread>

extern "C" void openblas_set_num_threads(int) __attribute__((weak));
extern "C" int openblas_get_num_threads() __attribute__((weak));

namespace grokscope {

// Fused path (FusedTransformer or FusedMlp: every preset): run.threads is the number of
// chunk threads, each calling a single-threaded sgemm; the numbers do not depend on it.
// 2-core AMD EPYC, z97-add at batch 512: 138 steps/s with 1 thread, 237-274 with 2.
//
// Autograd path: run.threads go to OpenBLAS; LibTorch's own intra-op pool stays at one
// thread. Measured with grokscope-bench on the 2-core Intel machine, z97-add at batch 512:
//   torch 1, OpenBLAS 1: 118-130 steps/s (stable)
//   torch 1, OpenBLAS 2: 159-183 steps/s (quiet machine; less when another process
//                        wants the second core)
//   torch 2, OpenBLAS 1: 137 steps/s
//   torch 2, OpenBLAS 2:  41 steps/s (155 with OMP_WAIT_POLICY=passive)
// Two pools on two cores oversubscribe: libgomp's workers spin while OpenBLAS's
// threads want the same cores, and the spin policy can only be set before the
// library loads. At these sizes the matrix products are the work.
// There the default is one thread: the float summation order, and so a seed's whole
// trajectory, then does not depend on the machine's core count (z97-add seed 0
// grokked at step 6,000 with one thread, 6,600 with two).
int configureEngineThreads(int requested, bool fusedPath)
{
    torch::set_num_threads(1);
    if (fusedPath) {
        if (openblas_set_num_threads)
            openblas_set_num_threads(1);
        if (requested > 0)
            return requested;
        const unsigned cores = std::thread::hardware_concurrency();
        return cores >= 2 ? 2 : 1;
    }
    const int blasThreads = requested > 0 ? requested : 1;
    if (openblas_set_num_threads)
        openblas_set_num_threads(blasThreads);
    return blasThreads;
}

int engineThreads()
{
    if (openblas_get_num_threads)
        return openblas_get_num_threads();
    return torch::get_num_threads();
}

int torchIntraOpThreads() { return torch::get_num_threads(); }

}  // namespace grokscope
