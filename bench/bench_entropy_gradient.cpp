// grokscope-bench-entropy-gradient: one entropy-floor gradient, H̃ of the batch's
// representation covariance and dH̃/dZ (docs/science.md, "Interventions"), two ways:
// metrics/entropy_gradient.h's closed form from one eigendecomposition, and torch
// autograd through eigvalsh on the torch expression the floor used before it took the
// closed form (tests/tst_entropy_gradient.cpp keeps it as the reference). Prints one JSON line with the median of
// several rounds (see bench/README.md).
//
//   grokscope-bench-entropy-gradient [--rows B] [--dims d] [--rounds N] [--calls N] [--threads N]

#include "metrics/entropy_gradient.h"

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

extern "C" int openblas_get_num_threads() __attribute__((weak));

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    int rows = 512;
    int dims = 128;
    int rounds = 7;
    int calls = 20;  // calls per round; a round's time / calls is one sample
    int threads = 1; // torch intra-op threads
};

[[noreturn]] void usage(int code)
{
    std::cerr << "usage: grokscope-bench-entropy-gradient [--rows B] [--dims d] [--rounds N] [--calls N] [--threads N]\n"
                 "  defaults: --rows 512 --dims 128 --rounds 7 --calls 20 --threads 1\n";
    std::exit(code);
}

Options parseOptions(int argc, char** argv)
{
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto number = [&]() {
            if (i + 1 >= argc)
                usage(2);
            return std::atoi(argv[++i]);
        };
        if (a == "--rows")
            o.rows = number();
        else if (a == "--dims")
            o.dims = number();
        else if (a == "--rounds")
            o.rounds = number();
        else if (a == "--calls")
            o.calls = number();
        else if (a == "--threads")
            o.threads = number();
        else if (a == "--help" || a == "-h")
            usage(0);
        else {
            std::cerr << "grokscope-bench-entropy-gradient: unknown option " << a << "\n";
            usage(2);
        }
    }
    if (o.rows < 2 || o.dims < 2 || o.rounds < 1 || o.calls < 1 || o.threads < 1)
        usage(2);
    return o;
}

// Median over rounds of the mean milliseconds per call, after one warm-up call.
double medianMsPerCall(const Options& o, const std::function<void()>& call)
{
    call();
    std::vector<double> samples;
    for (int r = 0; r < o.rounds; ++r) {
        const auto start = Clock::now();
        for (int c = 0; c < o.calls; ++c)
            call();
        samples.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count() / o.calls);
    }
    std::sort(samples.begin(), samples.end());
    return samples[samples.size() / 2];
}

// What the trainer would do: float32 representations in, float32 gradient out.
torch::Tensor closedFormGradient(const torch::Tensor& representation)
{
    const torch::Tensor z = representation.to(torch::kFloat64).contiguous();
    // A row-major B × d tensor is a column-major d × B matrix: map it and transpose.
    const Eigen::MatrixXd zMatrix =
        Eigen::Map<const Eigen::MatrixXd>(z.data_ptr<double>(), z.size(1), z.size(0)).transpose();
    const grokscope::EntropyGradient g = grokscope::spectralEntropyGradient(zMatrix);
    torch::Tensor gradient = torch::empty({z.size(0), z.size(1)}, torch::kFloat64);
    Eigen::Map<Eigen::MatrixXd>(gradient.data_ptr<double>(), z.size(1), z.size(0)) = g.gradient.transpose();
    return gradient.to(torch::kFloat32);
}

// The floor's former torch expression for H̃, differentiated by autograd.
torch::Tensor autogradGradient(const torch::Tensor& representation)
{
    const torch::Tensor leaf = representation.detach().requires_grad_(true);
    const torch::Tensor z = leaf.to(torch::kFloat64);
    const torch::Tensor centred = z - z.mean(0, true);
    const torch::Tensor covariance = centred.t().mm(centred) / static_cast<double>(z.size(0));
    const torch::Tensor eigenvalues = torch::linalg::eigvalsh(covariance, "L").clamp_min(0.0);
    const torch::Tensor p = eigenvalues / eigenvalues.sum();
    const torch::Tensor entropy = -(p * p.clamp_min(1e-300).log()).sum() / std::log(static_cast<double>(z.size(1)));
    entropy.backward();
    return leaf.grad();
}

}  // namespace

int main(int argc, char** argv)
{
    const Options o = parseOptions(argc, argv);
    torch::set_num_threads(o.threads);
    torch::manual_seed(0);
    // Columns of unequal scale around a non-zero mean, like a probe's representations.
    const torch::Tensor representation =
        torch::randn({o.rows, o.dims}) * torch::linspace(0.5, 2.0, o.dims) + 3.0;

    const Eigen::MatrixXd zMatrix = Eigen::Map<const Eigen::MatrixXd>(
        representation.to(torch::kFloat64).contiguous().data_ptr<double>(), o.dims, o.rows).transpose();

    const double closedFormMs = medianMsPerCall(o, [&] { closedFormGradient(representation); });
    const double autogradMs = medianMsPerCall(o, [&] { autogradGradient(representation); });
    const double closedFormCoreMs = medianMsPerCall(o, [&] { grokscope::spectralEntropyGradient(zMatrix); });

    const torch::Tensor a = closedFormGradient(representation);
    const torch::Tensor b = autogradGradient(representation);
    const double agreement = (a - b).abs().max().item<double>() / b.abs().max().item<double>();

    nlohmann::json line = {
        {"figure", "entropy_gradient_ms"},
        {"rows", o.rows},
        {"dims", o.dims},
        {"rounds", o.rounds},
        {"calls_per_round", o.calls},
        {"closed_form_ms", closedFormCoreMs},
        {"closed_form_float_tensor_ms", closedFormMs},
        {"autograd_eigvalsh_ms", autogradMs},
        {"autograd_over_closed_form", autogradMs / closedFormMs},
        {"max_relative_difference", agreement},
        {"torch_threads", torch::get_num_threads()},
        {"openblas_threads", openblas_get_num_threads ? openblas_get_num_threads() : -1},
        {"OMP_NUM_THREADS", std::getenv("OMP_NUM_THREADS") ? std::getenv("OMP_NUM_THREADS") : ""},
        {"OPENBLAS_NUM_THREADS", std::getenv("OPENBLAS_NUM_THREADS") ? std::getenv("OPENBLAS_NUM_THREADS") : ""},
    };
    std::cout << line.dump() << std::endl;
    return 0;
}
