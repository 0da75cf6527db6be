#pragma once
// Thread counts for LibTorch's intra-op pool and OpenBLAS. They are process-wide.

namespace grokscope {

// Sets the process's thread pools for a run and returns how many threads the engine
// uses. LibTorch's intra-op pool always stays at one thread.
// - fusedPath: `requested` threads run the hand-written step's chunks (FusedTransformer
//   or FusedMlp; 0 = up to two, one per core); OpenBLAS gets one thread, since each
//   chunk calls it.
// - otherwise: `requested` OpenBLAS threads (0 = one).
// Measurements in engine_threads.cpp.
int configureEngineThreads(int requested, bool fusedPath);
// Threads of the matrix products: OpenBLAS's count, or torch's without OpenBLAS.
int engineThreads();
int torchIntraOpThreads();

}  // namespace grokscope
