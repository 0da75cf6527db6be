// Experiment specs given to `experiment SPEC --out DIR`. Only specs that must be
// refused before anything trains: names that are not one plain directory level,
// reserved file names, duplicate arms, wrong types, bad overrides. Arm names with
// shell metacharacters are legitimate (no shell is involved), so they are not here.

#include "config_keys.h"
#include "corpus_util.h"

namespace grokscope::fuzz {

namespace {

const std::vector<std::string> kExperimentArgs = {"experiment", "{input}", "--out", "{out}/exp", "--jobs", "1",
                                                  "--quiet"};

const char* kTop = "\"name\": \"fz\", \"preset\": \"z23-quick\", \"seeds\": [0], \"overrides\": {\"run.steps\": 50}";
const char* kArms = "[{\"name\": \"base\"}, {\"name\": \"wide\", \"overrides\": {\"model.d_model\": 128}}]";

std::string specText(const std::string& arms, const std::string& top = kTop)
{
    return "{" + top + ", \"arms\": " + arms + "}\n";
}

FuzzCase spec(std::string label, std::string detail, std::string text)
{
    FuzzCase c = textCase(Family::Spec, std::move(label), std::move(detail), std::move(text), kExperimentArgs);
    c.inputName = "spec.json";
    return c;
}

void addTopLevel(std::vector<FuzzCase>& cases)
{
    for (const std::string text : {"[]", "\"spec\"", "1", "null", "true", "{}"})
        cases.push_back(spec("not an object", text, text));
    const std::vector<std::pair<std::string, std::vector<std::string>>> wrong = {
        {"name", {"1", "true", "null", "[]", "{}", "\"\""}},
        {"preset", {"1", "true", "null", "[]", "{}", "\"\"", "\"no-such-preset\""}},
        {"seeds", {"\"0\"", "1", "{}", "null", "[]", "[-1]", "[1.5]", "[\"0\"]", "[0, 0]", "[18446744073709551616]",
                   "[null]", "[[0]]", "[true]", "[1e300]"}},
        {"vary_data_seed", {"1", "\"true\"", "null", "[]"}},
        {"overrides", {"[]", "\"x\"", "1", "null", "{\"run.steps\": null}", "{\"run.steps\": {}}",
                       "{\"run.model_seed\": 1}", "{\"task.modlus\": 97}", "{\"\": 1}"}},
        {"arms", {"[]", "{}", "\"base\"", "null", "[1]", "[\"base\"]", "[null]", "[[]]"}},
        {"baseline", {"\"nope\"", "1", "\"\"", "null", "[\"base\"]"}},
    };
    const std::string valid = specText(kArms);
    for (const auto& [key, literals] : wrong)
        for (const std::string& literal : literals)
            cases.push_back(spec("wrong value", key + " = " + literal, withKey(valid, key, literal)));
    const std::string noSeeds = "\"name\": \"fz\", \"preset\": \"z23-quick\"";
    for (const std::string seedCount : {"0", "-1", "1.5", "\"3\"", "100001", "18446744073709551616", "null", "[]", "true"})
        cases.push_back(spec("wrong value", "seed_count = " + seedCount,
                             specText(kArms, noSeeds + ", \"seed_count\": " + seedCount)));
    cases.push_back(spec("wrong value", "seeds and seed_count", specText(kArms, std::string(kTop) + ", \"seed_count\": 2")));
    cases.push_back(spec("wrong value", "neither seeds nor seed_count", specText(kArms, noSeeds)));
    cases.push_back(spec("wrong value", "unknown top-level key", specText(kArms, std::string(kTop) + ", \"sedes\": [1]")));
    cases.push_back(spec("wrong value", "no preset anywhere",
                         specText("[{\"name\": \"base\"}]", "\"name\": \"fz\", \"seeds\": [0]")));
}

void addOverrides(std::vector<FuzzCase>& cases, Random& random)
{
    // Every key's invalid values, as experiment-wide and as per-arm overrides.
    for (const KeySpec& key : keyTable()) {
        std::vector<std::string> literals = key.invalid;
        for (const std::string& literal : overflowLiterals(key))
            literals.push_back(literal);
        for (const std::string& literal : literals) {
            if (random() % 3 != 0)
                continue;  // a third of them: the same checks as the config family, through another path
            const std::string override = "{" + jsonQuote(key.key) + ": " + literal + "}";
            if (random() % 2 == 0)
                cases.push_back(spec("bad override", "experiment " + key.key + " = " + literal,
                                     specText(kArms, "\"name\": \"fz\", \"preset\": \"z23-quick\", \"seeds\": [0], "
                                                     "\"overrides\": " + override)));
            else
                cases.push_back(spec("bad override", "arm " + key.key + " = " + literal,
                                     specText("[{\"name\": \"base\", \"overrides\": " + override + "}]")));
        }
    }
}

void addArms(std::vector<FuzzCase>& cases)
{
    const std::vector<std::pair<std::string, std::string>> arms = {
        {"arm without a name", "[{}]"},
        {"name 1", "[{\"name\": 1}]"},
        {"empty name", "[{\"name\": \"\"}]"},
        {"null name", "[{\"name\": null}]"},
        {"unknown arm key", "[{\"name\": \"a\", \"colour\": 1}]"},
        {"preset 1", "[{\"name\": \"a\", \"preset\": 1}]"},
        {"unknown preset", "[{\"name\": \"a\", \"preset\": \"nope\"}]"},
        {"overrides list", "[{\"name\": \"a\", \"overrides\": []}]"},
        {"unknown reference", "[{\"name\": \"a\", \"norm_reference_arm\": \"nope\"}]"},
        {"self reference", "[{\"name\": \"a\", \"norm_reference_arm\": \"a\"}]"},
        {"reference cycle", "[{\"name\": \"a\", \"norm_reference_arm\": \"b\"}, {\"name\": \"b\", \"norm_reference_arm\": \"a\"}]"},
        {"reference 1", "[{\"name\": \"a\", \"norm_reference_arm\": 1}]"},
        {"duplicate arms", "[{\"name\": \"base\"}, {\"name\": \"base\"}]"},
        {"duplicate after others", "[{\"name\": \"a\"}, {\"name\": \"b\"}, {\"name\": \"a\", \"overrides\": {\"run.steps\": 60}}]"},
    };
    for (const auto& [detail, text] : arms)
        cases.push_back(spec("bad arm", detail, specText(text)));

    const std::vector<std::pair<std::string, std::string>> names = {
        {"/", "/"}, {"a/b", "a/b"}, {"..", ".."}, {".", "."}, {"../x", "../x"}, {"../../../../x", "../../../../x"},
        {"/abs", "/abs"}, {"control 0x01", "a\x01"}, {"newline", "\n"}, {"tab", "a\tb"}, {"DEL", "\x7f"},
        {"escape sequence", "\x1b[0m"}, {"NUL inside", std::string("a\0b", 3)}, {"backslash", "a\\b"},
        {"300 bytes", std::string(300, 'a')}, {"trailing slash", "a/"},
    };
    for (const auto& [detail, name] : names)
        cases.push_back(spec("arm name", detail, specText("[{\"name\": " + jsonQuote(name) + "}]")));
    for (const std::string reserved : {"summary.md", "runs.csv", "spec.json", "summary.csv", "report.md"}) {
        cases.push_back(spec("reserved arm name", reserved, specText("[{\"name\": \"" + reserved + "\"}]")));
        cases.push_back(spec("reserved arm name", reserved + " after a valid arm",
                             specText("[{\"name\": \"base\"}, {\"name\": \"" + reserved + "\"}]")));
    }
}

void addStructure(std::vector<FuzzCase>& cases)
{
    for (const int depth : {100, 100000}) {
        const std::string d = std::to_string(depth);
        cases.push_back(spec("deep nesting", "arrays " + d, deepArrays(depth)));
        cases.push_back(spec("deep nesting", "in description " + d,
                             specText(kArms, std::string(kTop) + ", \"description\": " + deepArrays(depth))));
        cases.push_back(spec("deep nesting", "in an override " + d,
                             specText("[{\"name\": \"a\", \"overrides\": {\"run.steps\": " + deepObjects(depth) + "}}]")));
    }
    cases.push_back(spec("deep nesting", "unclosed 100000", deepObjects(100000, false)));
    cases.push_back(spec("encoding", "invalid byte in an arm name", specText("[{\"name\": \"a\xff\"}]")));
    cases.push_back(spec("encoding", "invalid byte in the description",
                         specText(kArms, std::string(kTop) + ", \"description\": \"\xc3\x28\"")));
    cases.push_back(spec("encoding", "lone surrogate in an arm name", specText("[{\"name\": \"\\udfff\"}]")));
}

}  // namespace

std::vector<FuzzCase> specCases(const CorpusContext& context)
{
    Random random = familyRandom(context.seed, "spec");
    std::vector<FuzzCase> cases;
    const std::string valid = specText(kArms);
    for (const std::string& text : truncations(valid, 40, random))
        cases.push_back(spec("truncated", std::to_string(text.size()) + " bytes", text));
    for (const std::string& text : brokenJsonMutations(valid, 60, random))
        cases.push_back(spec("random edit", "of a two-arm spec", text));
    addTopLevel(cases);
    addOverrides(cases, random);
    addArms(cases);
    addStructure(cases);
    for (FuzzCase& c : specialFileCases(Family::Spec, "special file", kExperimentArgs)) {
        c.inputName = "spec.json";
        cases.push_back(std::move(c));
    }
    return cases;
}

}  // namespace grokscope::fuzz
