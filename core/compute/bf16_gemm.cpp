#include "compute/bf16_gemm.h"

#include <cpuid.h>
#include <dlfcn.h>
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace grokscope {

namespace {

// oneDNN 2.x's C API (oneapi/dnnl/dnnl.h): Debian's libdnnl2 comes without headers, so
// the entry points are declared here. dnnl_dim_t is int64_t, statuses and ISAs are C
// enums (int), bfloat16 travels as its 16 raw bits, and dnnl_status_success is 0.
using DnnlGemmBf16 = int (*)(char, char, int64_t, int64_t, int64_t, float, const uint16_t*, int64_t, const uint16_t*,
                             int64_t, float, float*, int64_t);
constexpr int kIsaAvx512CoreAmx = 0x3e7;  // dnnl_cpu_isa_avx512_core_amx; ISAs are bit masks

struct DnnlRuntime {
    DnnlGemmBf16 gemmBf16 = nullptr;
    // Debian's oneDNN threads with OpenMP (libgomp): a product runs on
    // omp_get_max_threads() threads of the calling thread, so gemm() asks for one.
    void (*ompSetNumThreads)(int) = nullptr;
    int (*ompGetMaxThreads)() = nullptr;
    std::optional<std::string> unavailable;
};

// CPUID.(EAX=7, ECX=0):EDX bit 22 is AMX-BF16, bit 24 AMX-TILE.
bool cpuHasAmxBf16()
{
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx))
        return false;
    return (edx >> 22 & 1u) && (edx >> 24 & 1u);
}

// Linux hands out AMX tile state per process on request (arch_prctl
// ARCH_REQ_XCOMP_PERM, feature 18 XTILEDATA); oneDNN asks the same way.
bool amxPermitted()
{
    constexpr int kArchReqXcompPerm = 0x1023;
    constexpr unsigned long kXfeatureXtileData = 18;
    return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtileData) == 0;
}

DnnlRuntime openDnnl()
{
    DnnlRuntime r;
    void* library = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        r.unavailable = "needs oneDNN (libdnnl.so.2, Debian package libdnnl2), which this process cannot open";
        return r;
    }
    r.gemmBf16 = reinterpret_cast<DnnlGemmBf16>(dlsym(library, "dnnl_gemm_bf16bf16f32"));
    auto effectiveIsa = reinterpret_cast<int (*)()>(dlsym(library, "dnnl_get_effective_cpu_isa"));
    r.ompSetNumThreads = reinterpret_cast<void (*)(int)>(dlsym(library, "omp_set_num_threads"));
    r.ompGetMaxThreads = reinterpret_cast<int (*)()>(dlsym(library, "omp_get_max_threads"));
    if (!r.gemmBf16 || !effectiveIsa || !r.ompSetNumThreads || !r.ompGetMaxThreads) {
        r.unavailable = "needs oneDNN 2.x's dnnl_gemm_bf16bf16f32 (OpenMP build), which libdnnl.so.2 here lacks";
        return r;
    }
    const char* slower = "; without AMX oneDNN's bf16 product measured 1.5-4x slower than float32";
    if (!cpuHasAmxBf16())
        r.unavailable = std::string("needs a CPU with AMX-BF16, which this one lacks") + slower;
    else if (!amxPermitted())
        r.unavailable = std::string("needs AMX, which Linux refused this process (arch_prctl XTILEDATA)") + slower;
    else if ((effectiveIsa() & kIsaAvx512CoreAmx) != kIsaAvx512CoreAmx)
        r.unavailable = std::string("needs oneDNN to use AMX, which it does not here (ONEDNN_MAX_CPU_ISA set?)") + slower;
    return r;
}

const DnnlRuntime& dnnl()
{
    static const DnnlRuntime runtime = openDnnl();
    return runtime;
}

// roundToBf16 16 floats at a time (AVX-512F only, not AVX512_BF16's conversion, which
// flushes denormals). GCC 12's intrinsic headers trip a false -Wmaybe-uninitialized
// (their `__Y = __Y` placeholders), silenced here only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f"))) void roundRowAvx512(const float* src, int64_t count, uint16_t* dst)
{
    const __m512i roundBias = _mm512_set1_epi32(0x7fff), one = _mm512_set1_epi32(1), quiet = _mm512_set1_epi32(0x40);
    int64_t i = 0;
    for (; i + 16 <= count; i += 16) {
        const __m512 x = _mm512_loadu_ps(src + i);
        const __m512i bits = _mm512_castps_si512(x);
        const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(bits, 16), one);
        __m512i rounded = _mm512_srli_epi32(_mm512_add_epi32(bits, _mm512_add_epi32(roundBias, lsb)), 16);
        const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
        rounded = _mm512_mask_or_epi32(rounded, nan, _mm512_srli_epi32(bits, 16), quiet);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), _mm512_cvtepi32_epi16(rounded));
    }
    for (; i < count; ++i)
        dst[i] = roundToBf16(src[i]);
}
#pragma GCC diagnostic pop

const bool kHasAvx512 = __builtin_cpu_supports("avx512f");

// roundToBf16Matrix into `out`, grown as needed.
const uint16_t* roundMatrix(const float* src, int64_t rows, int64_t cols, int64_t ld, std::vector<uint16_t>& out)
{
    if (out.size() < size_t(rows * cols))
        out.resize(size_t(rows * cols));
    roundToBf16Matrix(src, rows, cols, ld, out.data());
    return out.data();
}

}  // namespace

void roundToBf16Matrix(const float* src, int64_t rows, int64_t cols, int64_t ld, uint16_t* dst)
{
    for (int64_t r = 0; r < rows; ++r) {
        if (kHasAvx512)
            roundRowAvx512(src + r * ld, cols, dst + r * cols);
        else
            for (int64_t c = 0; c < cols; ++c)
                dst[r * cols + c] = roundToBf16(src[r * ld + c]);
    }
}

uint16_t roundToBf16(float x)
{
    uint32_t bits;
    std::memcpy(&bits, &x, 4);
    if (std::isnan(x))
        return uint16_t(bits >> 16 | 0x40);
    return uint16_t((bits + 0x7fffu + (bits >> 16 & 1u)) >> 16);
}

float bf16ToFloat(uint16_t bits)
{
    const uint32_t wide = uint32_t(bits) << 16;
    float x;
    std::memcpy(&x, &wide, 4);
    return x;
}

std::optional<std::string> bf16GemmUnavailableReason() { return dnnl().unavailable; }

void Bf16Operands::round(const float* values, int64_t rows, int64_t cols, int64_t ld)
{
    auto entry = std::find_if(m_entries.begin(), m_entries.end(), [&](const Entry& e) { return e.values == values; });
    if (entry == m_entries.end())
        entry = m_entries.insert(m_entries.end(), Entry{values, 0, 0, 0, {}});
    entry->rows = rows;
    entry->cols = cols;
    entry->ld = ld;
    roundMatrix(values, rows, cols, ld, entry->rounded);
}

const uint16_t* Bf16Operands::find(const float* values, int64_t rows, int64_t cols, int64_t ld) const
{
    for (const Entry& e : m_entries)
        if (e.values == values && e.rows == rows && e.cols == cols && e.ld == ld)
            return e.rounded.data();
    return nullptr;
}

void gemm(const GemmPrecision& precision, Op opA, Op opB, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc)
{
    // k = 0 leaves beta·C, which sgemm does exactly; bf16 changes nothing there.
    if (precision.precision == MatmulPrecision::Float32 || k == 0) {
        sgemm(opA, opB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    if (m == 0 || n == 0)
        return;
    const DnnlRuntime& runtime = dnnl();
    if (runtime.unavailable)
        throw std::runtime_error("model.matmul_precision: bf16 " + *runtime.unavailable);
    // Per thread, grown once: the step's products run on WorkerPool threads at once.
    thread_local std::vector<uint16_t> aRounded, bRounded;
    const bool transA = opA == Op::Transpose, transB = opB == Op::Transpose;
    const int64_t aCols = transA ? m : k, bCols = transB ? k : n;
    const int64_t aRows = transA ? k : m, bRows = transB ? n : k;
    const Bf16Operands* known = precision.rounded;
    const uint16_t* a16 = known ? known->find(a, aRows, aCols, lda) : nullptr;
    const uint16_t* b16 = known ? known->find(b, bRows, bCols, ldb) : nullptr;
    if (!a16)
        a16 = roundMatrix(a, aRows, aCols, lda, aRounded);
    if (!b16)
        b16 = roundMatrix(b, bRows, bCols, ldb, bRounded);
    const int ompThreads = runtime.ompGetMaxThreads();
    if (ompThreads != 1)
        runtime.ompSetNumThreads(1);
    const int status = runtime.gemmBf16(transA ? 'T' : 'N', transB ? 'T' : 'N', m, n, k, alpha, a16, aCols, b16, bCols,
                                        beta, c, ldc);
    if (ompThreads != 1)
        runtime.ompSetNumThreads(ompThreads);
    if (status != 0)
        throw std::runtime_error("dnnl_gemm_bf16bf16f32 failed with oneDNN status " + std::to_string(status));
}

}  // namespace grokscope
