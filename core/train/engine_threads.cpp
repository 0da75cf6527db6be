#include "train/engine_threads.h"

#include <torch/torch.h>

#include <thread>

extern "C" void openblas_set_num_threads(int) __attribute__((weak));

namespace grokscope {

void configureEngineThreads(int requested)
{
    const int threads = requested > 0 ? requested : 1;
    torch::set_num_threads(threads);
    // OpenBLAS runs its own pool beside torch's OpenMP one; two pools on two cores
    // oversubscribe, so both get the same count.
    if (openblas_set_num_threads)
        openblas_set_num_threads(threads);
}

int engineThreads() { return torch::get_num_threads(); }

}  // namespace grokscope
