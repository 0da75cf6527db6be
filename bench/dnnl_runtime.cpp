// The oneDNN runtime of bench/dnnl_runtime.h, and bfloat16 rounding.

#include "dnnl_runtime.h"

#include <dlfcn.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace grokscope_bench {

namespace {

template <typename F>
void resolve(void* library, const char* name, F& out)
{
    out = reinterpret_cast<F>(dlsym(library, name));
    if (!out) {
        std::cerr << "dnnl_runtime: libdnnl.so.2 has no " << name << '\n';
        std::exit(1);
    }
}

}  // namespace

Dnnl openDnnl()
{
    Dnnl d;
    d.library = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!d.library) {
        std::cerr << "dnnl_runtime: cannot open libdnnl.so.2 (package libdnnl2): " << dlerror() << '\n';
        std::exit(1);
    }
    resolve(d.library, "dnnl_sgemm", d.sgemm);
    resolve(d.library, "dnnl_gemm_bf16bf16f32", d.gemmBf16);
    resolve(d.library, "dnnl_get_effective_cpu_isa", d.effectiveIsa);
    resolve(d.library, "dnnl_version", d.version);
    resolve(d.library, "omp_set_num_threads", d.ompSetNumThreads);  // from libdnnl's libgomp
    resolve(d.library, "omp_get_max_threads", d.ompGetMaxThreads);
    return d;
}

std::string isaName(int isa)
{
    switch (isa) {  // dnnl_cpu_isa_t of oneDNN 2.x
    case 0x7: return "avx2";
    case 0x27: return "avx512_core";
    case 0x67: return "avx512_core_vnni";
    case 0xe7: return "avx512_core_bf16";
    case 0x3e7: return "avx512_core_amx";
    default: return "other";
    }
}

// Linux grants AMX tile data per process on request (arch_prctl ARCH_REQ_XCOMP_PERM);
// oneDNN asks when it considers AMX. Bit 18 (XTILEDATA) of the granted features.
bool amxTileDataGranted()
{
    constexpr int kArchGetXcompPerm = 0x1022;
    uint64_t features = 0;
    return syscall(SYS_arch_prctl, kArchGetXcompPerm, &features) == 0 && (features >> 18 & 1u);
}

}  // namespace grokscope_bench
