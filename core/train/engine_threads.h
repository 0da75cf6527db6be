#pragma once
// Thread counts for LibTorch's intra-op pool and OpenBLAS. They are process-wide.

namespace grokscope {

// `requested` 0 picks the measured default (see README, "Threads").
void configureEngineThreads(int requested);
int engineThreads();

}  // namespace grokscope
