#pragma once
// Matrix products at the precision model.matmul_precision asks for (README.md, "Threads
// and speed"): float32 is compute/sgemm.h's sgemm itself, bit for bit; bf16 rounds both
// operands to bfloat16 (round to nearest even) and accumulates and writes float32, through
// oneDNN's dnnl_gemm_bf16bf16f32, opened at run time from libdnnl.so.2 (which Debian's
// LibTorch already loads; Debian's OpenBLAS has no cblas_sbgemm).
//
// bf16 runs only where oneDNN uses AMX-BF16: without AMX its bf16 product measured 1.5×
// (AVX512_BF16) to 4× (AVX-512) slower than OpenBLAS's float32 one on the step's shapes
// (bench/bench_bf16_gemm.cpp), so a lever for speed would cost time there.
// Single-threaded like sgemm: threads come from the caller (WorkerPool). A row's bits
// depend on the product's height and differ between AMX and non-AMX kernels, never on
// threads (tst_bf16_matmul).

#include "compute/sgemm.h"
#include "config/train_config.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace grokscope {

// Why bf16 products cannot run in this process (no libdnnl.so.2, no bf16 product in it,
// or no AMX-BF16 for oneDNN), as the end of a sentence starting "bf16 "; nullopt when
// they can. Computed once.
std::optional<std::string> bf16GemmUnavailableReason();

// Operands rounded to bfloat16 once and read by many products: a training step's
// weights, which do not change within the step. A bf16 gemm() looks each float operand
// up here by address and stored shape and rounds only those it does not find: the same
// bits either way, less conversion (it was 13% of a bf16 step's time with every operand
// rounded at every call). The caller refreshes entries whenever their floats change.
class Bf16Operands {
public:
    // Rounds rows × cols floats of row stride ld, replacing an entry at that address.
    void round(const float* values, int64_t rows, int64_t cols, int64_t ld);
    // The rounded copy (dense, rows × cols) of exactly this stored matrix, or null.
    const uint16_t* find(const float* values, int64_t rows, int64_t cols, int64_t ld) const;

private:
    struct Entry {
        const float* values;
        int64_t rows, cols, ld;
        std::vector<uint16_t> rounded;
    };
    std::vector<Entry> m_entries;
};

// The precision of a product and, for bf16, operands already rounded (null: none).
struct GemmPrecision {
    MatmulPrecision precision = MatmulPrecision::Float32;
    const Bf16Operands* rounded = nullptr;
    GemmPrecision(MatmulPrecision p = MatmulPrecision::Float32, const Bf16Operands* r = nullptr)  // NOLINT: implicit
        : precision(p), rounded(r)
    {
    }
};

// C = alpha·op(A)·op(B) + beta·C, row-major, as sgemm(), at `precision`. Bf16 throws
// std::runtime_error where bf16GemmUnavailableReason() is set.
void gemm(const GemmPrecision& precision, Op opA, Op opB, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

// float → bfloat16 bits, round to nearest even, NaN kept quiet: the rounding gemm() applies
// to the operands. And back (exact).
uint16_t roundToBf16(float x);
float bf16ToFloat(uint16_t bits);
// rows × cols floats of row stride ld → a dense rows × cols bfloat16 matrix, with
// roundToBf16's rounding (16 at a time where the CPU has AVX-512F).
void roundToBf16Matrix(const float* src, int64_t rows, int64_t cols, int64_t ld, uint16_t* dst);

}  // namespace grokscope
