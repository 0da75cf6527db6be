#include "experiment_spec.h"

#include "io/config_json.h"
#include "io/input_file.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

namespace fs = std::filesystem;

namespace grokscope::experiment {

namespace {

// Every error names the file and the key: "spec.json: arms[1].overrides: ...".
class SpecReader {
public:
    explicit SpecReader(std::string origin) : m_origin(std::move(origin)) {}

    [[noreturn]] void fail(const std::string& key, const std::string& what) const
    {
        throw ConfigError(m_origin + ": " + key + ": " + what);
    }

    void onlyKeys(const nlohmann::json& object, const std::string& where, const std::set<std::string>& allowed) const
    {
        for (const auto& [key, value] : object.items())
            if (!allowed.count(key))
                fail(where.empty() ? key : where + "." + key, "unknown key");
    }

    std::string text(const nlohmann::json& object, const std::string& key, const std::string& where,
                     bool required) const
    {
        const std::string path = where.empty() ? key : where + "." + key;
        if (!object.contains(key)) {
            if (required)
                fail(path, "missing (a string is required)");
            return {};
        }
        if (!object[key].is_string() || object[key].get<std::string>().empty())
            fail(path, "expected a non-empty string, got " + object[key].dump());
        return object[key].get<std::string>();
    }

    std::vector<std::pair<std::string, nlohmann::json>> overrides(const nlohmann::json& object,
                                                                  const std::string& where) const
    {
        std::vector<std::pair<std::string, nlohmann::json>> result;
        const std::string path = where.empty() ? "overrides" : where + ".overrides";
        if (!object.contains("overrides"))
            return result;
        const nlohmann::json& map = object["overrides"];
        if (!map.is_object())
            fail(path, "expected an object of \"config.key\": value, got " + map.dump());
        for (const auto& [key, value] : map.items()) {
            if (value.is_null() || value.is_object())
                fail(path + "." + key, "expected a number, bool, string or list, got " + value.dump());
            if (key == "run.model_seed")
                fail(path + "." + key, "is set per run from \"seeds\"; list the seeds there instead");
            result.emplace_back(key, value);
        }
        return result;
    }

    const std::string& origin() const { return m_origin; }

private:
    std::string m_origin;
};

// A spec large enough to mean a typo (seed_count: 1e5 with many arms) is refused
// before it plans millions of configs.
constexpr std::size_t kMaxPlannedRuns = 100000;

// Names the experiment (or `replicate`, whose DIR/<name> is an experiment) writes at
// the top of its directory, next to the arms' directories.
bool isReservedName(const std::string& name)
{
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    static const std::set<std::string> reserved = {"spec.json", "summary.md",  "summary.csv",
                                                   "runs.csv",  "report.md",   "figures",
                                                   "replicate_time.json", "experiment_time.json"};
    const std::string partial = ".partial";  // the temporary names those files are written under
    // Case-insensitive: on such a file system "Summary.md" is the same entry.
    return reserved.count(lower)
           || (lower.size() > partial.size() && lower.compare(lower.size() - partial.size(), partial.size(), partial) == 0);
}

// Why an arm name cannot be the arm's directory, or nullopt. Beyond a plain name, only
// '|' is refused: it would split the summary's Markdown tables. Shell metacharacters
// are fine: no shell ever sees a name (both backends pass paths as argv; the Slurm
// scripts hold no user text), CSV cells are quoted (csvField).
std::optional<std::string> armNameProblem(const std::string& name)
{
    if (const auto problem = plainNameProblem(name))
        return quotedForMessage(name) + " names the arm's directory and " + *problem;
    if (name.size() > 100)
        return "is longer than 100 characters";
    if (name.find('|') != std::string::npos)
        return quotedForMessage(name) + " contains '|', which would split the summary's tables";
    if (isReservedName(name))
        return quotedForMessage(name) + " is the name of a file the experiment writes in its directory; choose another";
    return std::nullopt;
}

}  // namespace

ExperimentSpec parseSpec(const nlohmann::json& document, const std::string& origin)
{
    const SpecReader r(origin);
    if (!document.is_object())
        throw ConfigError(origin + ": expected a JSON object with \"preset\", \"seeds\" and \"arms\"");
    r.onlyKeys(document, "",
               {"name", "preset", "seeds", "seed_count", "vary_data_seed", "overrides", "arms", "baseline",
                "description", "slurm"});
    ExperimentSpec spec;
    spec.source = document;
    spec.origin = origin;
    spec.name = r.text(document, "name", "", false);
    if (spec.name.empty()) {
        spec.name = fs::path(origin).stem().string();
        spec.source["name"] = spec.name;  // so DIR/spec.json names it the same way
    }
    // Each run is named "<experiment>-<arm>", and a run's name must be a plain name.
    if (const auto problem = plainNameProblem(spec.name))
        r.fail("name", quotedForMessage(spec.name) + " " + *problem + " (it names the experiment's runs)");
    spec.preset = r.text(document, "preset", "", false);

    if (document.contains("seeds") == document.contains("seed_count"))
        r.fail("seeds", "give either \"seeds\": [0, 1, ...] or \"seed_count\": N, exactly one of them");
    if (document.contains("seeds")) {
        const nlohmann::json& seeds = document["seeds"];
        if (!seeds.is_array() || seeds.empty())
            r.fail("seeds", "expected a non-empty list of non-negative integers, got " + seeds.dump());
        std::set<unsigned long long> seen;
        for (std::size_t i = 0; i < seeds.size(); ++i) {
            if (!seeds[i].is_number_unsigned())
                r.fail("seeds[" + std::to_string(i) + "]", "expected a non-negative integer, got " + seeds[i].dump());
            const auto seed = seeds[i].get<unsigned long long>();
            if (!seen.insert(seed).second)
                r.fail("seeds[" + std::to_string(i) + "]", "seed " + std::to_string(seed) + " is listed twice");
            spec.seeds.push_back(seed);
        }
        if (spec.seeds.size() > kMaxPlannedRuns)
            r.fail("seeds", std::to_string(spec.seeds.size()) + " seeds, more than the " + std::to_string(kMaxPlannedRuns)
                                + " runs an experiment may plan");
    } else {
        const nlohmann::json& count = document["seed_count"];
        if (!count.is_number_unsigned() || count.get<unsigned long long>() == 0 || count.get<unsigned long long>() > 100000)
            r.fail("seed_count", "expected a positive integer, got " + count.dump());
        for (unsigned long long s = 0; s < count.get<unsigned long long>(); ++s)
            spec.seeds.push_back(s);
    }
    if (document.contains("vary_data_seed")) {
        if (!document["vary_data_seed"].is_boolean())
            r.fail("vary_data_seed", "expected true or false, got " + document["vary_data_seed"].dump());
        spec.varyDataSeed = document["vary_data_seed"].get<bool>();
    }
    spec.overrides = r.overrides(document, "");

    if (!document.contains("arms") || !document["arms"].is_array() || document["arms"].empty())
        r.fail("arms", "expected a non-empty list of arms, e.g. [{\"name\": \"baseline\"}]");
    const nlohmann::json& arms = document["arms"];
    std::set<std::string> names;
    for (std::size_t i = 0; i < arms.size(); ++i) {
        const std::string where = "arms[" + std::to_string(i) + "]";
        if (!arms[i].is_object())
            r.fail(where, "expected an object with at least \"name\", got " + arms[i].dump());
        r.onlyKeys(arms[i], where, {"name", "preset", "overrides", "norm_reference_arm", "description"});
        ArmSpec arm;
        arm.name = r.text(arms[i], "name", where, true);
        if (const auto problem = armNameProblem(arm.name))
            r.fail(where + ".name", *problem);
        if (!names.insert(arm.name).second)
            r.fail(where + ".name", "arm " + quotedForMessage(arm.name) + " is defined twice");
        arm.preset = r.text(arms[i], "preset", where, false);
        if (arm.preset.empty() && spec.preset.empty())
            r.fail(where + ".preset", "arm " + quotedForMessage(arm.name) + " has no preset, and the experiment sets none");
        arm.overrides = r.overrides(arms[i], where);
        arm.normReferenceArm = r.text(arms[i], "norm_reference_arm", where, false);
        arm.description = r.text(arms[i], "description", where, false);
        spec.arms.push_back(std::move(arm));
    }
    if (spec.arms.size() * spec.seeds.size() > kMaxPlannedRuns)
        r.fail("arms", std::to_string(spec.arms.size()) + " arms x " + std::to_string(spec.seeds.size()) + " seeds is more than the "
                           + std::to_string(kMaxPlannedRuns) + " runs an experiment may plan");

    auto armIndex = [&](const std::string& name) -> std::optional<std::size_t> {
        for (std::size_t i = 0; i < spec.arms.size(); ++i)
            if (spec.arms[i].name == name)
                return i;
        return std::nullopt;
    };
    for (std::size_t i = 0; i < spec.arms.size(); ++i) {
        const std::string& reference = spec.arms[i].normReferenceArm;
        if (reference.empty())
            continue;
        const std::string key = "arms[" + std::to_string(i) + "].norm_reference_arm";
        const auto target = armIndex(reference);
        if (!target)
            r.fail(key, "no arm named \"" + reference + "\"");
        if (*target == i)
            r.fail(key, "arm \"" + reference + "\" cannot follow its own weight norm");
        // A chain of references must end: walk it, at most one step per arm.
        std::size_t at = *target;
        for (std::size_t hops = 0; !spec.arms[at].normReferenceArm.empty(); ++hops) {
            if (hops > spec.arms.size())
                r.fail(key, "the norm references form a cycle through \"" + reference + "\"");
            const auto next = armIndex(spec.arms[at].normReferenceArm);
            if (!next)
                break;  // reported on that arm's own turn
            at = *next;
        }
    }
    if (document.contains("slurm"))
        spec.slurm = parseSlurmOptions(document["slurm"], origin + ": slurm");
    if (document.contains("baseline")) {
        const std::string baseline = r.text(document, "baseline", "", true);
        const auto index = armIndex(baseline);
        if (!index)
            r.fail("baseline", "no arm named \"" + baseline + "\"");
        spec.baselineArm = *index;
    }
    return spec;
}

ExperimentSpec loadSpec(const std::string& path)
{
    nlohmann::json document;
    try {
        // A regular file of bounded size and nesting: a FIFO would block here, and
        // 50,000 nested brackets would overflow the stack in the parser.
        document = readJsonFile(path);
    } catch (const InputError& error) {
        throw ConfigError(error.what());
    }
    return parseSpec(document, path);
}

}  // namespace grokscope::experiment
