#include "replicate_protocol.h"

#include "io/config_json.h"
#include "io/input_file.h"
#include "protocol_embedded.h"

namespace grokscope::report {

const experiment::ArmSummary* ProtocolExperiment::arm(const std::string& name) const
{
    for (const experiment::ArmSummary& a : arms)
        if (a.arm == name)
            return &a;
    return nullptr;
}

std::vector<RunLog> ProtocolExperiment::completeLogs(const std::string& arm) const
{
    std::vector<RunLog> logs;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        if (records[i].arm != arm || !records[i].complete())
            continue;
        try {
            logs.push_back(readRunLog(runs[i].directory.string()));
        } catch (const RunLogError&) {
            // inspectRuns read it a moment ago; a log that broke since is left out.
        }
    }
    return logs;
}

std::vector<std::string> protocolNames(ProtocolSuite suite)
{
    if (suite == ProtocolSuite::Variants)
        return {"variants", "variants-pytorch-init"};
    return {"interventions", "tasks"};
}

experiment::ExperimentSpec protocolSpec(const std::string& name, int seeds, ProtocolSplit split)
{
    for (const auto& [embeddedName, text] : embeddedProtocol()) {
        if (embeddedName != name)
            continue;
        nlohmann::json document;
        try {
            document = parseJsonText(text, "built-in protocol \"" + name + "\"");
        } catch (const InputError& error) {
            throw ConfigError(error.what());
        }
        nlohmann::json seedList = nlohmann::json::array();
        for (int s = 0; s < seeds; ++s)
            seedList.push_back(static_cast<unsigned>(s));
        document["seeds"] = seedList;
        document["vary_data_seed"] = split == ProtocolSplit::PerSeed;
        return experiment::parseSpec(document, "built-in protocol \"" + name + "\"");
    }
    throw ConfigError("no built-in protocol experiment named \"" + name + "\"");
}

std::string splitDescription(const std::vector<ProtocolExperiment>& experiments)
{
    bool perSeed = true;
    for (const ProtocolExperiment& e : experiments)
        perSeed = perSeed && e.spec.varyDataSeed;
    return perSeed ? "each seed draws its own train/test split (task.data_seed = the seed)"
                   : "every seed trains on the preset's train/test split (--same-split)";
}

ProtocolExperiment inspectProtocol(const experiment::ExperimentSpec& spec, const std::filesystem::path& directory)
{
    ProtocolExperiment result;
    result.spec = spec;
    result.directory = directory;
    result.runs = experiment::planRuns(spec, directory);
    result.records = experiment::inspectRuns(spec, result.runs);
    result.arms = experiment::summariseArms(spec, result.records);
    return result;
}

}  // namespace grokscope::report
