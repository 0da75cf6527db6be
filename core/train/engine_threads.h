#pragma once
// Thread counts for LibTorch's intra-op pool and OpenBLAS. They are process-wide.

namespace grokscope {

// `requested` threads for OpenBLAS (0 = one); LibTorch's intra-op pool stays at one
// thread (measurements in engine_threads.cpp).
void configureEngineThreads(int requested);
// Threads of the matrix products: OpenBLAS's count, or torch's without OpenBLAS.
int engineThreads();
int torchIntraOpThreads();

}  // namespace grokscope
