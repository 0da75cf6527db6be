#pragma once
// oneDNN's BLAS-like products, opened at run time: Debian's libdnnl2 (which LibTorch
// already loads) ships no headers without libdnnl-dev, so its C entry points are declared
// here. For the benchmarks only; the bfloat16 rounding is core/compute/bf16_gemm.h's.

#include <cstdint>
#include <string>

namespace grokscope_bench {

// oneDNN 2.x C API (oneapi/dnnl/dnnl.h, dnnl_types.h): row-major BLAS-like products;
// dnnl_dim_t is int64_t, dnnl_status_t and dnnl_cpu_isa_t are C enums (int), bfloat16
// is passed as its 16 raw bits, and dnnl_status_success is 0.
using DnnlSgemm = int (*)(char, char, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*, int64_t,
                          float, float*, int64_t);
using DnnlGemmBf16 = int (*)(char, char, int64_t, int64_t, int64_t, float, const uint16_t*, int64_t, const uint16_t*,
                             int64_t, float, float*, int64_t);
struct DnnlVersion {
    int major, minor, patch;
    const char* hash;
    unsigned cpuRuntime, gpuRuntime;  // DNNL_RUNTIME_SEQ 1, OMP 2, TBB 4, THREADPOOL 8
};

struct Dnnl {
    void* library = nullptr;
    DnnlSgemm sgemm = nullptr;
    DnnlGemmBf16 gemmBf16 = nullptr;
    int (*effectiveIsa)() = nullptr;
    const DnnlVersion* (*version)() = nullptr;
    // Debian's oneDNN threads with OpenMP (libgomp): it runs on omp_get_max_threads()
    // threads of the calling thread, which omp_set_num_threads sets for that thread only.
    void (*ompSetNumThreads)(int) = nullptr;
    int (*ompGetMaxThreads)() = nullptr;
};

// Opens libdnnl.so.2 and resolves every entry point; on failure, a one-line error and exit 1.
Dnnl openDnnl();

// dnnl_cpu_isa_t (oneDNN 2.x) by name, e.g. 0x3e7 → "avx512_core_amx".
std::string isaName(int isa);

// Whether Linux has granted this process AMX tile data (oneDNN asks before using AMX).
bool amxTileDataGranted();

}  // namespace grokscope_bench
