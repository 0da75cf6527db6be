#include "corpus_util.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace grokscope::fuzz {

const char* familyName(Family family)
{
    switch (family) {
    case Family::Config: return "config";
    case Family::Spec: return "spec";
    case Family::RunLog: return "run log";
    case Family::Checkpoint: return "checkpoint";
    }
    return "?";
}

FuzzCase textCase(Family family, std::string label, std::string detail, std::string text,
                  std::vector<std::string> args)
{
    FuzzCase c;
    c.family = family;
    c.label = std::move(label);
    c.detail = std::move(detail);
    c.args = std::move(args);
    c.prepare = [text = std::move(text)](const CaseFiles& files) { writeFile(files.input, text); };
    return c;
}

std::vector<FuzzCase> specialFileCases(Family family, const std::string& label, std::vector<std::string> args)
{
    std::vector<FuzzCase> cases;
    auto add = [&](const std::string& detail, std::function<void(const CaseFiles&)> prepare,
                   std::vector<std::string> caseArgs, std::string names) {
        FuzzCase c;
        c.family = family;
        c.label = label;
        c.detail = detail;
        c.args = std::move(caseArgs);
        c.names = std::move(names);
        c.prepare = std::move(prepare);
        cases.push_back(std::move(c));
    };
    auto replacing = [&](const std::string& from, const std::string& to) {
        std::vector<std::string> replaced = args;
        std::replace(replaced.begin(), replaced.end(), from, to);
        return replaced;
    };
    add("FIFO", [](const CaseFiles& f) { replaceWithFifo(f.input); }, args, "{input}");
    add("directory", [](const CaseFiles& f) { replaceWithDirectory(f.input); }, args, "{input}");
    add("link to /dev/zero", [](const CaseFiles& f) { replaceWithSymlink(f.input, "/dev/zero"); }, args, "{input}");
    add("/dev/zero itself", [](const CaseFiles&) {}, replacing("{input}", "/dev/zero"), "/dev/zero");
    add("/dev/null itself", [](const CaseFiles&) {}, replacing("{input}", "/dev/null"), "/dev/null");
    add("missing file", [](const CaseFiles&) {}, args, "{input}");
    add("dangling link", [](const CaseFiles& f) { replaceWithSymlink(f.input, f.root / "nowhere.json"); }, args,
        "{input}");
    add("link loop", [](const CaseFiles& f) { replaceWithSymlink(f.input, f.input); }, args, "{input}");
    add("path through a file", [](const CaseFiles& f) { writeFile(f.input, "{}"); },
        replacing("{input}", "{input}/inner.json"), "{input}");
    add("empty file", [](const CaseFiles& f) { writeFile(f.input, ""); }, args, "{input}");
    add("whitespace only", [](const CaseFiles& f) { writeFile(f.input, " \n\t\n"); }, args, "{input}");
    return cases;
}

std::vector<std::string> brokenJsonMutations(const std::string& valid, int count, Random& random)
{
    static const std::string kStructural = "{}[],:\"\\ \n0-.eE+";
    std::vector<std::string> result;
    std::set<std::string> seen;
    while (static_cast<int>(result.size()) < count) {
        std::string text = valid;
        const int edits = 1 + static_cast<int>(random() % 3);
        for (int e = 0; e < edits && !text.empty(); ++e) {
            const size_t at = random() % text.size();
            switch (random() % 5) {
            case 0: text.erase(at, 1 + random() % 4); break;
            case 1: text.insert(at, 1, kStructural[random() % kStructural.size()]); break;
            case 2: text[at] = kStructural[random() % kStructural.size()]; break;
            case 3: text[at] = static_cast<char>(random() % 256); break;
            default: {
                const size_t length = std::min<size_t>(1 + random() % 16, text.size() - at);
                text.insert(at, text.substr(at, length));
            }
            }
        }
        if (!nlohmann::json::accept(text) && seen.insert(text).second)
            result.push_back(std::move(text));
    }
    return result;
}

std::vector<std::string> truncations(const std::string& valid, int count, Random& random)
{
    const size_t end = valid.rfind('}');
    std::set<size_t> cuts;
    for (size_t cut = 0; cut < std::min<size_t>(end, 24); ++cut)
        cuts.insert(cut);
    while (static_cast<int>(cuts.size()) < count && cuts.size() < end)
        cuts.insert(random() % end);
    std::vector<std::string> result;
    for (const size_t cut : cuts)
        if (!nlohmann::json::accept(valid.substr(0, cut)))
            result.push_back(valid.substr(0, cut));
    return result;
}

Random familyRandom(unsigned long long seed, const std::string& family)
{
    std::seed_seq sequence(family.begin(), family.end());
    Random mixed(seed);
    std::vector<std::uint32_t> state(2);
    sequence.generate(state.begin(), state.end());
    return Random(mixed() ^ (static_cast<unsigned long long>(state[0]) << 32 | state[1]));
}

}  // namespace grokscope::fuzz
