#include "config_keys.h"

#include <algorithm>
#include <set>

namespace grokscope::fuzz {

namespace {

using K = KeyKind;

std::vector<std::string> quoted(std::initializer_list<const char*> words)
{
    std::vector<std::string> result;
    for (const char* word : words)
        result.push_back(std::string("\"") + word + "\"");
    return result;
}

}  // namespace

// The invalid values follow validateConfig (core/io/config_json.cpp) and the dataset's
// checks. Cross-key rules use values wrong for every preset the corpus starts from
// (z97-add, z23-quick): heads 3 divides neither d_model 128 nor 64, spectrum 175 is a
// multiple of neither eval cadence 100 nor 50.
const std::vector<KeySpec>& keyTable()
{
    static const std::vector<KeySpec> table = {
        {"name", K::String, "\"x\"", {}},
        {"task.kind", K::Enum, "\"add\"", quoted({"ADD", "", "addition", "add ", "s5", "Permutation"})},
        {"task.modulus", K::Int32, "23", {"0", "1", "-1", "4", "258", "263", "2147483647", "-97"}},
        // Validated whatever the task: a wrong degree is an error even when the task is not S_n.
        {"task.permutation_degree", K::Int32, "5", {"-1", "0", "1", "7", "2147483647"}},
        {"task.train_fraction", K::Double, "0.5", {"0", "1", "-0.1", "1.5", "0.0"}},
        {"task.data_seed", K::UInt64, "7", {"-7"}},
        {"task.equals_token", K::Bool, "true", {}},
        {"model.architecture", K::Enum, "\"mlp\"", quoted({"Transformer", "cnn", ""})},
        {"model.layers", K::Int32, "1", {"0", "9", "-1"}},
        {"model.d_model", K::Int32, "64", {"1", "0", "-64", "2049"}},
        {"model.heads", K::Int32, "4", {"0", "-4", "3", "129"}},
        {"model.d_mlp", K::Int32, "256", {"0", "-1", "16385"}},
        {"model.activation", K::Enum, "\"gelu\"", quoted({"RELU", "tanh", ""})},
        {"model.layer_norm", K::Enum, "\"pre\"", quoted({"both", "None", ""})},
        {"model.final_layer_norm", K::Bool, "true", {}},
        {"model.mlp_hidden_layers", K::Int32, "2", {"0", "9", "-2"}},
        {"model.mlp_hidden_width", K::Int32, "128", {"1", "0", "16385"}},
        {"model.lookup_tables", K::Bool, "false", {}},
        {"model.matmul_precision", K::Enum, "\"float32\"", quoted({"BF16", "bfloat16", "fp16", ""})},
        {"model.init", K::Enum, "\"pytorch\"", quoted({"PyTorch", "kaiming", "scaled-normal", ""})},
        {"model.init_scale", K::Double, "0.5", {"0", "-1", "-0.5", "0.0"}},
        {"optim.learning_rate", K::Double, "0.003", {"0", "-0.001", "1", "2"}},
        {"optim.weight_decay", K::Double, "1.0", {"-1", "1000", "-0.5"}},
        {"optim.beta1", K::Double, "0.9", {"-0.1", "1", "1.5"}},
        {"optim.beta2", K::Double, "0.98", {"-0.1", "1", "2"}},
        {"optim.epsilon", K::Double, "1e-8", {"0", "-1e-8"}},
        {"optim.warmup_steps", K::Int32, "10", {"-1", "-10"}},
        {"optim.batch_mode", K::Enum, "\"full\"", quoted({"Full", "mini", ""})},
        {"optim.batch_size", K::Int32, "512", {"0", "-1", "1048577"}},
        {"run.steps", K::Int64, "400", {"-1", "1000000000000", "1e12"}},
        {"run.model_seed", K::UInt64, "3", {"-3"}},
        {"run.eval_every_steps", K::Int32, "50", {"0", "-1", "3"}},
        {"run.spectrum_every_steps", K::Int32, "50", {"-1", "175"}},
        {"run.checkpoint_every_steps", K::Int32, "100", {"-1", "-100"}},
        {"run.keep_checkpoints", K::Int32, "3", {"0", "-1"}},
        {"run.stop_at_grok", K::Bool, "true", {}},
        {"run.stop_after_grok_steps", K::Int64, "100", {}},
        {"run.device", K::String, "\"cpu\"", quoted({"gpu", "", "CPU", "cuda:0"})},
        {"run.threads", K::Int32, "1", {"-1", "257", "1000"}},
        {"run.save_representations_at_steps", K::StepList, "[100]", {"[-100]", "[175]", "[0, -50]"}},
        {"metrics.probe_size", K::Int32, "512", {"0", "1", "-1"}},
        {"metrics.probe_source", K::Enum, "\"test\"", quoted({"Train", "all", ""})},
        {"metrics.centring", K::Enum, "\"uncentred\"", quoted({"centered", "Centred", ""})},
        {"metrics.entropy_threshold", K::NullableDouble, "0.6", {"-0.1", "1.1", "2"}},
        {"metrics.memorisation_accuracy", K::Double, "0.95", {"0", "1.1", "-1"}},
        {"metrics.grok_accuracy", K::Double, "0.99", {"0", "1.01", "-0.5"}},
        {"metrics.collapse_drop", K::Double, "0.05", {"0", "-0.1"}},
        {"metrics.collapse_window_steps", K::Int32, "800", {"0", "-800"}},
        {"metrics.collapse_smoothing_steps", K::Int32, "400", {"-1", "-400"}},
        {"metrics.entropy_events_after_memorisation", K::Bool, "true", {}},
        {"metrics.forecast_c1", K::Double, "245000.0", {"0", "-1"}},
        {"metrics.forecast_gamma", K::Double, "1.65", {"0", "-1.65"}},
        {"metrics.forecast_c2", K::Double, "0.0", {}},
        {"metrics.forecast_residual_sd_steps", K::Double, "3000.0", {"-1"}},
        {"metrics.fourier_directions", K::Int32, "8", {"0", "-8"}},
        {"metrics.saturation_epsilon", K::Double, "0.0001", {"0", "1", "-0.0001"}},
        {"metrics.norm_decay_window_steps", K::Int32, "2000", {"0", "-2000"}},
        {"metrics.norm_decay_target", K::NullableDouble, "40.5", {"0", "-40.5"}},
        {"intervention.mixing", K::Bool, "true", {}},
        {"intervention.mixing_alpha", K::Double, "0.3", {"-0.1", "1.1"}},
        {"intervention.mixing_site", K::Enum, "\"embedding\"", quoted({"final", "Embedding", ""})},
        {"intervention.mixing_form", K::Enum, "\"swap\"", quoted({"Swap", "hard", "convex ", ""})},
        {"intervention.mixing_partner_gradient", K::Enum, "\"detached\"", quoted({"detach", "Through", ""})},
        {"intervention.mixing_permutation", K::Enum, "\"derangement\"",
         quoted({"random", "same-class", "Cycle", "different", ""})},
        {"intervention.mixing_probability", K::Double, "0.5", {"0", "-0.5", "1.5", "0.0", "1.0000001"}},
        {"intervention.mixing_labels", K::Bool, "true", {}},
        {"intervention.mixing_at_evaluation", K::Bool, "true", {}},
        {"intervention.mixing_from_step", K::Int64, "0", {"-1"}},
        {"intervention.mixing_until_step", K::Int64, "-1", {"0"}},
        {"intervention.entropy_floor", K::Bool, "true", {}},
        {"intervention.entropy_floor_target", K::Double, "0.75", {"0", "1.5", "-0.75"}},
        {"intervention.entropy_floor_weight", K::Double, "1.0", {"-1"}},
        {"intervention.entropy_floor_from_step", K::Int64, "0", {"-1"}},
        {"intervention.entropy_floor_until_step", K::Int64, "-1", {"0"}},
        {"intervention.norm_reference_run", K::String, "\"\"", {}},
    };
    return table;
}

const KeySpec* findKey(const std::string& key)
{
    for (const KeySpec& spec : keyTable())
        if (spec.key == key)
            return &spec;
    return nullptr;
}

std::vector<std::string> wrongTypeLiterals(KeyKind kind)
{
    switch (kind) {
    case K::Int32:
    case K::Int64:
    case K::UInt64:
        return {"\"1\"", "true", "null", "[]", "{}", "[1]", "\"\"", "1.5", "-0.5"};
    case K::Double:
        return {"\"0.5\"", "true", "null", "[]", "{}", "[0.5]", "\"\""};
    case K::NullableDouble:
        return {"\"0.5\"", "true", "[]", "{}", "[0.5]", "\"null\""};
    case K::Bool:
        return {"1", "0", "\"true\"", "null", "[]", "{}", "\"false\""};
    case K::String:
    case K::Enum:
        return {"1", "true", "null", "[]", "{}", "[\"cpu\"]"};
    case K::StepList:
        return {"1", "\"100\"", "null", "{}", "[\"100\"]", "[1.5]", "[null]", "[[100]]", "true"};
    }
    return {};
}

std::vector<std::string> overflowLiterals(const KeySpec& spec)
{
    switch (spec.kind) {
    case K::Int32: {
        std::vector<std::string> values = {"2147483648", "-2147483649", "4294967296", "9223372036854775808",
                                           "18446744073709551616", "1e19", "1e300", "-1e300"};
        // 2^32 + a valid value: a 32-bit wrap would read it as that value.
        const long long valid = std::stoll(spec.valid);
        if (valid >= 0)
            values.push_back(std::to_string((1ULL << 32) + static_cast<unsigned long long>(valid)));
        return values;
    }
    case K::Int64:
        return {"9223372036854775808", "18446744073709551615", "18446744073709551616", "-9223372036854775809",
                "1e19", "1e300"};
    case K::UInt64:
        return {"-1", "18446744073709551616", "18446744073709551639", "-9223372036854775809", "1e20", "1e300"};
    case K::Double:
    case K::NullableDouble:
        return {"1e400", "-1e400"};  // parsed as infinities: never a setting
    case K::StepList:
        return {"[9223372036854775808]", "[18446744073709551616]", "[1e300]", "[-9223372036854775809]"};
    case K::Bool:
    case K::String:
    case K::Enum:
        return {};
    }
    return {};
}

std::vector<std::string> keyTableMismatches(const std::vector<std::string>& productKeys)
{
    std::vector<std::string> problems;
    const std::set<std::string> product(productKeys.begin(), productKeys.end());
    for (const std::string& key : productKeys)
        if (!findKey(key))
            problems.push_back(key + ": listed by grokscope-cli keys but missing from tests/fuzz/config_keys.cpp");
    for (const KeySpec& spec : keyTable())
        if (!product.count(spec.key))
            problems.push_back(spec.key + ": in tests/fuzz/config_keys.cpp but not listed by grokscope-cli keys");
    return problems;
}

}  // namespace grokscope::fuzz
