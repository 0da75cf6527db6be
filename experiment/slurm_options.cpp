#include "slurm_options.h"

#include "io/config_json.h"
#include "io/input_file.h"

#include <cctype>
#include <regex>
#include <set>

namespace grokscope::experiment {

void checkSlurmTime(const std::string& value, const std::string& what)
{
    // sbatch --time's forms: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S.
    static const std::regex form(R"(([0-9]+-)?[0-9]+(:[0-9]+){0,2})");
    if (value.size() > 32 || !std::regex_match(value, form))
        throw ConfigError(what + ": expected a time limit like 30, 0:30:00 or 1-12:00:00, got "
                          + quotedForMessage(value));
}

void checkSlurmMemory(const std::string& value, const std::string& what)
{
    static const std::regex form(R"([0-9]+[KMGT]?)");
    if (value.size() > 32 || !std::regex_match(value, form))
        throw ConfigError(what + ": expected a size like 2G or 500M, got " + quotedForMessage(value));
}

void checkSlurmName(const std::string& value, const std::string& what)
{
    bool plain = !value.empty() && value.size() <= 64;
    for (char c : value)
        plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
    if (!plain)
        throw ConfigError(what + ": expected a name of letters, digits and - _ . , got " + quotedForMessage(value));
}

void checkCpusPerTask(long value, const std::string& what)
{
    if (value < 1 || value > 1024)
        throw ConfigError(what + ": expected 1 to 1024, got " + std::to_string(value));
}

void checkMaxRunning(long value, const std::string& what)
{
    if (value < 1 || value > 100000)
        throw ConfigError(what + ": expected 1 to 100000, got " + std::to_string(value));
}

SlurmOptions parseSlurmOptions(const nlohmann::json& object, const std::string& where)
{
    if (!object.is_object())
        throw ConfigError(where + ": expected an object like {\"partition\": \"cpu\", \"time\": \"0:30:00\"}, got "
                          + object.dump());
    static const std::set<std::string> known = {"partition", "time", "cpus_per_task", "mem", "max_running",
                                                "account",   "qos",  "sbatch_args"};
    for (const auto& [key, value] : object.items())
        if (!known.count(key))
            throw ConfigError(where + "." + key + ": unknown key");
    auto text = [&](const char* key) -> std::string {
        if (!object.contains(key))
            return {};
        if (!object[key].is_string() || object[key].get<std::string>().empty())
            throw ConfigError(where + "." + key + ": expected a non-empty string, got " + object[key].dump());
        return object[key].get<std::string>();
    };
    auto integer = [&](const char* key) -> std::optional<long> {
        if (!object.contains(key))
            return std::nullopt;
        if (!object[key].is_number_integer())
            throw ConfigError(where + "." + key + ": expected an integer, got " + object[key].dump());
        return object[key].get<long>();
    };
    SlurmOptions options;
    const std::string at = where + ".";
    if ((options.partition = text("partition")).size())
        checkSlurmName(options.partition, at + "partition");
    if ((options.time = text("time")).size())
        checkSlurmTime(options.time, at + "time");
    if ((options.mem = text("mem")).size())
        checkSlurmMemory(options.mem, at + "mem");
    if ((options.account = text("account")).size())
        checkSlurmName(options.account, at + "account");
    if ((options.qos = text("qos")).size())
        checkSlurmName(options.qos, at + "qos");
    if (const auto cpus = integer("cpus_per_task")) {
        checkCpusPerTask(*cpus, at + "cpus_per_task");
        options.cpusPerTask = static_cast<int>(*cpus);
    }
    if (const auto max = integer("max_running")) {
        checkMaxRunning(*max, at + "max_running");
        options.maxRunning = static_cast<int>(*max);
    }
    if (object.contains("sbatch_args")) {
        const nlohmann::json& list = object["sbatch_args"];
        if (!list.is_array())
            throw ConfigError(at + "sbatch_args: expected a list of strings, got " + list.dump());
        for (const nlohmann::json& item : list) {
            if (!item.is_string())
                throw ConfigError(at + "sbatch_args: expected strings, got " + item.dump());
            checkSbatchArgument(item.get<std::string>(), at + "sbatch_args");
            options.sbatchArgs.push_back(item.get<std::string>());
        }
    }
    return options;
}

void checkSbatchArgument(const std::string& value, const std::string& what)
{
    static const std::set<std::string> owned = {
        "array", "output", "error", "input", "chdir", "dependency", "kill-on-invalid-dep", "parsable",
        "wrap", "job-name", "export", "export-file", "wait", "open-mode", "test-only"};
    const std::string name = value.rfind("--", 0) == 0 ? value.substr(2, value.find('=') - 2) : std::string();
    if (name.empty() || value.find_first_of("\n\r") != std::string::npos)
        throw ConfigError(what + ": expected one sbatch option written --name or --name=value, got "
                          + quotedForMessage(value));
    if (owned.count(name))
        throw ConfigError(what + ": --" + name + " is set by the Slurm backend itself and cannot be overridden");
}

}  // namespace grokscope::experiment
