// grokscope-bench-bf16-gemm: would a bfloat16 matrix product make the training step
// faster on this CPU? Times, on one core with operands hot in cache, every GEMM of one
// fused Transformer step at batch 512 (core/model/fused_forward.cpp,
// core/model/fused_backward.cpp, core/model/fused_transformer.cpp: the batch in
// FusedTransformer::kChunks = 2 chunks of 256 rows; preset z97-add) and of one MLP-control
// step (preset mlp-z41: 2·128 → 128 → 128 → 41, the same chunks), four ways:
//   openblas       compute/sgemm.h's sgemm, what the step uses today (OpenBLAS)
//   dnnl_f32       oneDNN's dnnl_sgemm
//   dnnl_bf16      oneDNN's dnnl_gemm_bf16bf16f32, operands already in bfloat16
//   dnnl_bf16_cvt  the same plus rounding both float operands to bfloat16 at every call:
//                  the most a lever that keeps float weights and activations would pay
//                  (a step could round each weight once, or fuse the rounding elsewhere)
// Rounds interleave the products and the ways; each figure is a median over rounds.
// Also reports the error against a float64 product, and whether each way's bits repeat
// run to run, across oneDNN thread counts, and across row counts (see inferBlock's
// comment in core/model/fused_forward.cpp). One JSON line per product, one per summary.
//
// oneDNN is opened with dlopen (Debian's libdnnl2, which LibTorch already loads), so
// nothing beyond the runtime library is needed (bench/dnnl_runtime.h).
//
//   grokscope-bench-bf16-gemm [--rounds N] [--sample-mflop F]

#include "compute/bf16_gemm.h"
#include "dnnl_runtime.h"

#include "compute/sgemm.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

extern "C" void openblas_set_num_threads(int) __attribute__((weak));

namespace {

using Clock = std::chrono::steady_clock;
using grokscope::Op;
using namespace grokscope_bench;

int threadsInProcess()
{
    int count = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task"))
        ++count;
    return count;
}

// One sgemm call of a step: C (m × n) = op(A)·op(B) + beta·C, A stored with row stride lda.
struct Product {
    std::string model, name;
    bool transA, transB;
    int64_t m, n, k;
    float beta;
    int perStep;       // calls per step: kChunks for a chunk's product, 1 for the tables
    int64_t lda = 0;   // 0: dense
    int64_t aRows() const { return transA ? k : m; }
    int64_t aCols() const { return transA ? m : k; }
    int64_t bRows() const { return transB ? n : k; }
    int64_t bCols() const { return transB ? k : n; }
    int64_t aStride() const { return lda ? lda : aCols(); }
    double flops() const { return 2.0 * double(m) * double(n) * double(k); }
};

// z97-add: V = 98 tokens (97 operands and '='), L = 3, d = 128, d_mlp = 512, 97 classes;
// tables of V·L = 294 rows, queries from the V last-position rows (stride L·d).
std::vector<Product> transformerProducts()
{
    const int64_t rows = 256, d = 128, mlp = 512, classes = 97, vocabulary = 98, tableRows = 294, lastStride = 3 * d;
    const std::string t = "transformer";
    return {
        {t, "tables.keys", false, false, tableRows, d, d, 0.0f, 1},
        {t, "tables.queries", false, false, vocabulary, d, d, 0.0f, 1, lastStride},
        {t, "tables.values", false, false, tableRows, d, d, 0.0f, 1},
        {t, "attend.W_O", false, false, rows, d, d, 0.0f, 2},
        {t, "mlp.W_in", false, false, rows, mlp, d, 0.0f, 2},
        {t, "mlp.W_out", false, false, rows, d, mlp, 1.0f, 2},
        {t, "unembed", false, false, rows, classes, d, 0.0f, 2},
        {t, "unembed.dU", true, false, d, classes, rows, 0.0f, 2},
        {t, "unembed.dz", false, true, rows, d, classes, 0.0f, 2},
        {t, "mlp.dW_out", true, false, mlp, d, rows, 0.0f, 2},
        {t, "mlp.dHidden", false, true, rows, mlp, d, 0.0f, 2},
        {t, "mlp.dW_in", true, false, d, mlp, rows, 0.0f, 2},
        {t, "mlp.dResidual", false, true, rows, d, mlp, 1.0f, 2},
        {t, "attend.dW_O", true, false, d, d, rows, 0.0f, 2},
        {t, "attend.dMixed", false, true, rows, d, d, 0.0f, 2},
        {t, "tables.dW_K", true, false, d, d, tableRows, 0.0f, 1},
        {t, "tables.dX_keys", false, true, tableRows, d, d, 0.0f, 1},
        {t, "tables.dW_Q", true, false, d, d, vocabulary, 0.0f, 1, lastStride},
        {t, "tables.dW_V", true, false, d, d, tableRows, 0.0f, 1},
        {t, "tables.dX_values", false, true, tableRows, d, d, 0.0f, 1},
        {t, "tables.dX_queries", false, true, vocabulary, d, d, 0.0f, 1},
    };
}

// mlp-z41 (core/model/mlp_model.cpp): x = [embed(a), embed(b)] (2·128), two ReLU layers of
// 128, unembedding to 41 classes; weights stored in × out, so the forward is x·W.
std::vector<Product> mlpProducts()
{
    const int64_t rows = 256, input = 256, width = 128, classes = 41;
    const std::string m = "mlp";
    return {
        {m, "layer0", false, false, rows, width, input, 0.0f, 2},
        {m, "layer1", false, false, rows, width, width, 0.0f, 2},
        {m, "unembed", false, false, rows, classes, width, 0.0f, 2},
        {m, "unembed.dU", true, false, width, classes, rows, 0.0f, 2},
        {m, "unembed.dX", false, true, rows, width, classes, 0.0f, 2},
        {m, "layer1.dW", true, false, width, width, rows, 0.0f, 2},
        {m, "layer1.dX", false, true, rows, width, width, 0.0f, 2},
        {m, "layer0.dW", true, false, input, width, rows, 0.0f, 2},
        {m, "layer0.dX", false, true, rows, input, width, 0.0f, 2},
    };
}

enum Way { OpenBlas, DnnlF32, DnnlBf16, DnnlBf16Convert, kWays };
const char* const kWayNames[kWays] = {"openblas", "dnnl_f32", "dnnl_bf16", "dnnl_bf16_cvt"};

// A product's operands, N(0,1), and its bfloat16 copies (dense, lda = columns).
struct Operands {
    std::vector<float> a, b, c, cStart;
    std::vector<uint16_t> aBf16, bBf16;
};

Operands makeOperands(const Product& p, std::mt19937& random)
{
    std::normal_distribution<float> normal(0.0f, 1.0f);
    Operands o;
    o.a.resize(size_t(p.aRows() * p.aStride()));
    o.b.resize(size_t(p.bRows() * p.bCols()));
    o.cStart.resize(size_t(p.m * p.n));
    for (auto* v : {&o.a, &o.b, &o.cStart})
        for (float& x : *v)
            x = normal(random);
    o.c = o.cStart;
    o.aBf16.resize(size_t(p.aRows() * p.aCols()));
    o.bBf16.resize(size_t(p.bRows() * p.bCols()));
    grokscope::roundToBf16Matrix(o.a.data(), p.aRows(), p.aCols(), p.aStride(), o.aBf16.data());
    grokscope::roundToBf16Matrix(o.b.data(), p.bRows(), p.bCols(), p.bCols(), o.bBf16.data());
    return o;
}

void check(int status, const char* what)
{
    if (status != 0) {
        std::cerr << "grokscope-bench-bf16-gemm: " << what << " returned status " << status << '\n';
        std::exit(1);
    }
}

// One call of `way`; `m` ≤ p.m rows of C (the row-count check uses fewer).
void multiply(const Dnnl& dnnl, Way way, const Product& p, Operands& o, int64_t m)
{
    const char ta = p.transA ? 'T' : 'N', tb = p.transB ? 'T' : 'N';
    switch (way) {
    case OpenBlas:
        grokscope::sgemm(p.transA ? Op::Transpose : Op::None, p.transB ? Op::Transpose : Op::None, m, p.n, p.k, 1.0f,
                         o.a.data(), p.aStride(), o.b.data(), p.bCols(), p.beta, o.c.data(), p.n);
        return;
    case DnnlF32:
        check(dnnl.sgemm(ta, tb, m, p.n, p.k, 1.0f, o.a.data(), p.aStride(), o.b.data(), p.bCols(), p.beta, o.c.data(),
                         p.n),
              "dnnl_sgemm");
        return;
    case DnnlBf16Convert:
        grokscope::roundToBf16Matrix(o.a.data(), p.aRows(), p.aCols(), p.aStride(), o.aBf16.data());
        grokscope::roundToBf16Matrix(o.b.data(), p.bRows(), p.bCols(), p.bCols(), o.bBf16.data());
        [[fallthrough]];
    case DnnlBf16:
        check(dnnl.gemmBf16(ta, tb, m, p.n, p.k, 1.0f, o.aBf16.data(), p.aCols(), o.bBf16.data(), p.bCols(), p.beta,
                            o.c.data(), p.n),
              "dnnl_gemm_bf16bf16f32");
        return;
    default: return;
    }
}

std::vector<float> resultOf(const Dnnl& dnnl, Way way, const Product& p, Operands& o, int64_t m)
{
    o.c = o.cStart;
    multiply(dnnl, way, p, o, m);
    return {o.c.begin(), o.c.begin() + m * p.n};
}

// Error against the float64 product of the float operands: max |ΔC| over the rms of C
// (typical size), and max |ΔC_ij| / (|A|·|B|)_ij, the elementwise bound's scale.
struct ErrorFigures {
    double maxOverRms = 0, maxOverAbsProduct = 0;
};

ErrorFigures errorAgainstFloat64(const Product& p, const Operands& o, const std::vector<float>& c)
{
    auto aAt = [&](int64_t i, int64_t l) { return double(p.transA ? o.a[l * p.aStride() + i] : o.a[i * p.aStride() + l]); };
    auto bAt = [&](int64_t l, int64_t j) { return double(p.transB ? o.b[j * p.bCols() + l] : o.b[l * p.bCols() + j]); };
    std::vector<double> reference(size_t(p.m * p.n)), absProduct(size_t(p.m * p.n));
    double squares = 0;
    for (int64_t i = 0; i < p.m; ++i)
        for (int64_t j = 0; j < p.n; ++j) {
            double sum = double(p.beta) * o.cStart[i * p.n + j], abs = std::fabs(sum);
            for (int64_t l = 0; l < p.k; ++l) {
                sum += aAt(i, l) * bAt(l, j);
                abs += std::fabs(aAt(i, l) * bAt(l, j));
            }
            reference[i * p.n + j] = sum;
            absProduct[i * p.n + j] = abs;
            squares += sum * sum;
        }
    const double rms = std::sqrt(squares / double(p.m * p.n));
    ErrorFigures e;
    for (size_t i = 0; i < reference.size(); ++i) {
        const double difference = std::fabs(double(c[i]) - reference[i]);
        e.maxOverRms = std::max(e.maxOverRms, difference / rms);
        e.maxOverAbsProduct = std::max(e.maxOverAbsProduct, difference / absProduct[i]);
    }
    return e;
}

bool sameBits(const std::vector<float>& x, const float* y, size_t count)
{
    return std::memcmp(x.data(), y, count * sizeof(float)) == 0;
}

// FNV-1a over the bytes of `values`, continuing from `hash`.
uint64_t hashBits(uint64_t hash, const std::vector<float>& values)
{
    if (hash == 0)
        hash = 14695981039346656037ull;
    const auto* bytes = reinterpret_cast<const unsigned char*>(values.data());
    for (size_t i = 0; i < values.size() * sizeof(float); ++i)
        hash = (hash ^ bytes[i]) * 1099511628211ull;
    return hash;
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

struct Options {
    int rounds = 15;
    double sampleMflop = 40;  // calls per sample: enough for this much work (≥ 1 call)
};

Options parse(int argc, char** argv)
{
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (i + 1 < argc && flag == "--rounds")
            o.rounds = std::max(1, std::atoi(argv[++i]));
        else if (i + 1 < argc && flag == "--sample-mflop")
            o.sampleMflop = std::max(0.0, std::atof(argv[++i]));
        else {
            std::cerr << "usage: grokscope-bench-bf16-gemm [--rounds N] [--sample-mflop F]\n";
            std::exit(flag == "--help" ? 0 : 2);
        }
    }
    return o;
}

// Median milliseconds per call, [product][way]: rounds interleave the products and, in
// rotating order, the ways; a sample is enough calls for options.sampleMflop of work.
std::vector<std::vector<double>> timeProducts(const Dnnl& dnnl, const std::vector<Product>& products,
                                              std::vector<Operands>& operands, const Options& options)
{
    std::vector<std::vector<std::vector<double>>> samples(products.size(), std::vector<std::vector<double>>(kWays));
    for (int round = 0; round < options.rounds; ++round)
        for (size_t i = 0; i < products.size(); ++i) {
            const Product& p = products[i];
            const int calls = std::max(1, int(options.sampleMflop * 1e6 / p.flops()));
            for (int step = 0; step < kWays; ++step) {
                const Way way = Way((step + round) % kWays);
                const auto start = Clock::now();
                for (int c = 0; c < calls; ++c)
                    multiply(dnnl, way, p, operands[i], p.m);
                samples[i][way].push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count() / calls);
            }
        }
    std::vector<std::vector<double>> ms(products.size(), std::vector<double>(kWays));
    for (size_t i = 0; i < products.size(); ++i)
        for (int w = 0; w < kWays; ++w)
            ms[i][w] = median(samples[i][w]);
    return ms;
}

// One product's accuracy and bit checks, per way, into `line`; `resultHash` accumulates
// each way's results (the same hash under another ONEDNN_MAX_CPU_ISA: the same bits).
void checkProduct(const Dnnl& dnnl, const Product& p, Operands& o, nlohmann::json& line, uint64_t* resultHash)
{
    const std::vector<int64_t> fewerRows = {1, 7, p.m / 3, p.m / 2 + 5, p.m - 1};
    for (int w = 0; w < kWays; ++w) {
        const Way way = Way(w);
        const std::vector<float> first = resultOf(dnnl, way, p, o, p.m);
        resultHash[w] = hashBits(resultHash[w], first);
        const ErrorFigures e = errorAgainstFloat64(p, o, first);
        nlohmann::json& figures = line[kWayNames[w]];
        figures["err_max_over_rms"] = e.maxOverRms;
        figures["err_max_over_abs_product"] = e.maxOverAbsProduct;
        figures["same_bits_run_to_run"] = sameBits(resultOf(dnnl, way, p, o, p.m), first.data(), first.size());
        if (way != OpenBlas) {
            dnnl.ompSetNumThreads(2);
            figures["same_bits_2_threads"] = sameBits(resultOf(dnnl, way, p, o, p.m), first.data(), first.size());
            dnnl.ompSetNumThreads(1);
        }
        if (p.transA)
            continue;  // only A's rows can be cut: do C's first rows keep their bits with fewer rows?
        bool same = true;
        for (int64_t rows : fewerRows)
            same &= sameBits(resultOf(dnnl, way, p, o, rows), first.data(), size_t(rows * p.n));
        figures["same_bits_fewer_rows"] = same;
        if (way == DnnlF32) {  // a drop-in for OpenBLAS where the bits agree, at every height
            std::vector<int64_t> differing;
            for (int64_t rows : fewerRows)
                if (!sameBits(resultOf(dnnl, OpenBlas, p, o, rows), resultOf(dnnl, DnnlF32, p, o, rows).data(),
                              size_t(rows * p.n)))
                    differing.push_back(rows);
            figures["rows_with_other_bits_than_openblas"] = differing;
        }
    }
    if (p.transA) {
        const std::vector<float> blas = resultOf(dnnl, OpenBlas, p, o, p.m);
        line[kWayNames[DnnlF32]]["rows_with_other_bits_than_openblas"] =
            sameBits(blas, resultOf(dnnl, DnnlF32, p, o, p.m).data(), blas.size()) ? std::vector<int64_t>{}
                                                                                  : std::vector<int64_t>{p.m};
    }
}

// The AVX-512 rounding equals the scalar one on ties (both ways), NaN, infinity, the
// largest float (which rounds to infinity) and a denormal, and on every operand.
bool vectorRoundingMatchesScalar(const std::vector<Product>& products, const std::vector<Operands>& operands)
{
    const uint32_t edgeBits[] = {0x3f808000u, 0x3f818000u, 0x3f80ffffu, 0x7fc00001u, 0xff800000u,
                                 0x7f7fffffu, 0x00008001u, 0x80000000u, 0x3f800000u, 0x3f808001u,
                                 0x3f807fffu, 0x7f800001u, 0x477fe000u, 0x00018000u, 0xbf818000u, 0x00000001u};
    float edge[16];
    std::memcpy(edge, edgeBits, sizeof edge);
    uint16_t rounded[16];
    grokscope::roundToBf16Matrix(edge, 1, 16, 16, rounded);
    bool same = rounded[0] == 0x3f80 && rounded[1] == 0x3f82 && rounded[5] == 0x7f80;
    for (int i = 0; i < 16; ++i)
        same &= rounded[i] == grokscope::roundToBf16(edge[i]);
    for (size_t i = 0; i < products.size(); ++i) {
        const Product& p = products[i];
        std::vector<uint16_t> a(size_t(p.aRows() * p.aCols()));
        grokscope::roundToBf16Matrix(operands[i].a.data(), p.aRows(), p.aCols(), p.aStride(), a.data());
        for (int64_t r = 0; r < p.aRows(); ++r)
            for (int64_t c = 0; c < p.aCols(); ++c)
                same &= a[r * p.aCols() + c] == grokscope::roundToBf16(operands[i].a[r * p.aStride() + c]);
    }
    return same;
}

// Per model: the step's GEMM work and its summed milliseconds per way.
void printStepSums(const std::vector<Product>& products, const std::vector<std::vector<double>>& ms)
{
    for (const char* model : {"transformer", "mlp"}) {
        double flops = 0, sum[kWays] = {};
        for (size_t i = 0; i < products.size(); ++i) {
            if (products[i].model != model)
                continue;
            flops += products[i].flops() * products[i].perStep;
            for (int w = 0; w < kWays; ++w)
                sum[w] += ms[i][w] * products[i].perStep;
        }
        nlohmann::json line = {{"figure", "step_gemms"}, {"model", model}, {"gflop_per_step", flops / 1e9}};
        for (int w = 0; w < kWays; ++w)
            line[kWayNames[w]] = {{"ms_per_step", sum[w]}, {"gflops", flops / (sum[w] * 1e6)},
                                  {"speedup_vs_openblas", sum[OpenBlas] / sum[w]}};
        std::cout << line.dump() << '\n';
    }
}

}  // namespace

int main(int argc, char** argv)
{
    using nlohmann::json;
    const Options options = parse(argc, argv);
    if (openblas_set_num_threads)
        openblas_set_num_threads(1);
    const Dnnl dnnl = openDnnl();
    dnnl.ompSetNumThreads(1);  // this thread's OpenMP count: oneDNN calls from here run on one
    const int threadsBefore = threadsInProcess();

    std::vector<Product> products = transformerProducts();
    for (const Product& p : mlpProducts())
        products.push_back(p);
    std::mt19937 random(17);
    std::vector<Operands> operands;
    for (const Product& p : products)
        operands.push_back(makeOperands(p, random));
    for (size_t i = 0; i < products.size(); ++i)  // warm-up, and oneDNN's kernel generation
        for (int w = 0; w < kWays; ++w)
            for (int warm = 0; warm < 3; ++warm)
                multiply(dnnl, Way(w), products[i], operands[i], products[i].m);
    const int threadsAfterWarmUp = threadsInProcess();
    const std::vector<std::vector<double>> ms = timeProducts(dnnl, products, operands, options);

    // Checks after timing: the 2-thread ones start an OpenMP thread.
    uint64_t resultHash[kWays] = {};
    for (size_t i = 0; i < products.size(); ++i) {
        const Product& p = products[i];
        json line = {{"figure", "product"}, {"model", p.model}, {"name", p.name},
                     {"op", std::string(p.transA ? "T" : "N") + (p.transB ? "T" : "N")},
                     {"m", p.m}, {"n", p.n}, {"k", p.k}, {"beta", p.beta}, {"per_step", p.perStep}};
        checkProduct(dnnl, p, operands[i], line, resultHash);
        for (int w = 0; w < kWays; ++w) {
            line[kWayNames[w]]["ms"] = ms[i][w];
            line[kWayNames[w]]["gflops"] = p.flops() / (ms[i][w] * 1e6);
        }
        std::cout << line.dump() << '\n';
    }
    const int threadsAfterChecks = threadsInProcess();
    printStepSums(products, ms);

    // A thread that never set its own count (a WorkerPool thread) gets OMP_NUM_THREADS or
    // one per core: oneDNN would start a team from each such caller.
    int ompMaxThreadsInNewThread = 0;
    std::thread([&] { ompMaxThreadsInNewThread = dnnl.ompGetMaxThreads(); }).join();
    const DnnlVersion* version = dnnl.version();
    const int isa = dnnl.effectiveIsa();
    const char* maxIsa = std::getenv("ONEDNN_MAX_CPU_ISA");
    json hashes;
    for (int w = 0; w < kWays; ++w)
        hashes[kWayNames[w]] = resultHash[w];
    std::cout << json{{"figure", "setup"},
                      {"dnnl_version", std::to_string(version->major) + "." + std::to_string(version->minor) + "." +
                                           std::to_string(version->patch)},
                      {"dnnl_cpu_runtime", version->cpuRuntime == 2 ? "omp" : std::to_string(version->cpuRuntime)},
                      {"dnnl_effective_isa", isaName(isa)},
                      {"dnnl_effective_isa_code", isa},
                      {"ONEDNN_MAX_CPU_ISA", maxIsa ? maxIsa : ""},
                      {"amx_tile_data_granted", amxTileDataGranted()},
                      {"omp_max_threads", dnnl.ompGetMaxThreads()},
                      {"omp_max_threads_in_new_thread", ompMaxThreadsInNewThread},
                      {"openblas_sgemm", grokscope::sgemmUsesBlas()},
                      {"threads_before_dnnl_calls", threadsBefore},
                      {"threads_after_1_thread_calls", threadsAfterWarmUp},
                      {"threads_after_2_thread_checks", threadsAfterChecks},
                      {"vector_rounding_matches_scalar", vectorRoundingMatchesScalar(products, operands)},
                      {"result_hash", hashes},
                      {"rounds", options.rounds}}
                     .dump()
              << '\n';
    return 0;
}
