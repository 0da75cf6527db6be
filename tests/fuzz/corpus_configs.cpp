// Configs given to `config --config F` (the cheap path: parse and validate) and, for a
// sample and for what only a run does with a config (its name becomes a directory),
// to `run --config F`.

#include "config_keys.h"
#include "corpus_util.h"

#include <algorithm>

namespace grokscope::fuzz {

namespace {

const std::vector<std::string> kConfigArgs = {"config", "--config", "{input}"};
const std::vector<std::string> kRunArgs = {"run", "--config", "{input}", "--out", "{out}/run", "--quiet"};
// No --out: the run directory is runs/<name>-seed…, relative to the working directory.
const std::vector<std::string> kRunDefaultDirArgs = {"run", "--config", "{input}", "--quiet"};

FuzzCase config(std::string label, std::string detail, std::string text)
{
    return textCase(Family::Config, std::move(label), std::move(detail), std::move(text), kConfigArgs);
}

void addSyntax(std::vector<FuzzCase>& cases)
{
    const std::vector<std::string> texts = {
        "{", "}", "{\"task\": }", "{\"task\" {}}", "{\"task\": {},}", "{,}", "{'task': {}}", "{task: {}}",
        "{\"task\": {\"modulus\": 97,}}", "{\"task\": {\"modulus\": 97}} x", "{} {}", "{\"a\": 1}}",
        "{\"run\": {\"steps\": 1e}}", "{\"run\": {\"steps\": 01}}", "{\"run\": {\"steps\": +1}}",
        "{\"run\": {\"steps\": .5}}", "{\"run\": {\"steps\": 1.}}", "{\"run\": {\"steps\": 0x10}}",
        "{\"run\": {\"steps\": -}}", "{\"run\": {\"steps\": 1_000}}", "// comment\n{}", "/* comment */ {}",
        "{\"name\": \"unterminated}", "{\"name\": \"bad \\q escape\"}", "{\"name\": \"tab\there\"}",
        "{\"name\": \"new\nline\"}", "{\"name\": \"\\u12\"}", "[", "[]", "\"a config\"", "42", "null", "true",
        "{\"task\": [1, 2}", "{\"task\": {\"modulus\": tru}}", "{\"task\": {\"modulus\": nul}}",
        "{\"task\": {\"modulus\": True}}", std::string("{\0}", 3), "{\"task\":\n", "{\"\": 1}",
        "{\"task\": {\"modulus\": 97}, \"task\": }", "{\"run\": {\"steps\": 400}]", "{\"name\": \"x\" \"y\"}",
    };
    for (size_t i = 0; i < texts.size(); ++i)
        cases.push_back(config("syntax", "text " + std::to_string(i), texts[i]));
}

void addEncodings(std::vector<FuzzCase>& cases)
{
    const std::vector<std::pair<std::string, std::string>> texts = {
        {"invalid byte in a value", "{\"name\": \"a\xff" "b\"}"},
        {"invalid byte in a key", "{\"\xfe\": 1}"},
        {"overlong slash", "{\"name\": \"\xc0\xaf\"}"},
        {"cut sequence", "{\"name\": \"\xe2\x82\"}"},
        {"encoded surrogate", "{\"name\": \"\xed\xa0\x80\"}"},
        {"lone surrogate escape", "{\"name\": \"\\ud800\"}"},
        {"lone low surrogate escape", "{\"name\": \"\\udc00x\"}"},
        {"UTF-8 BOM then a wrong type", "\xef\xbb\xbf{\"task\": {\"modulus\": \"97\"}}"},
        {"two UTF-8 BOMs", "\xef\xbb\xbf\xef\xbb\xbf{}"},
        {"UTF-16LE", std::string("\xff\xfe{\0}\0", 6)},
        {"UTF-16BE", std::string("\xfe\xff\0{\0}", 6)},
        {"byte 0x80 alone", "\x80"},
    };
    for (const auto& [detail, text] : texts)
        cases.push_back(config("encoding", detail, text));
}

void addNesting(std::vector<FuzzCase>& cases)
{
    for (const int depth : {100, 1000, 100000}) {
        const std::string d = std::to_string(depth);
        cases.push_back(config("deep nesting", "arrays " + d, deepArrays(depth)));
        cases.push_back(config("deep nesting", "objects " + d, deepObjects(depth)));
        cases.push_back(config("deep nesting", "in name " + d, "{\"name\": " + deepArrays(depth) + "}"));
        cases.push_back(config("deep nesting", "in task " + d, "{\"task\": " + deepObjects(depth) + "}"));
    }
    cases.push_back(config("deep nesting", "unclosed arrays 100000", deepArrays(100000, false)));
    cases.push_back(config("deep nesting", "unclosed objects 100000", deepObjects(100000, false)));
}

void addHuge(std::vector<FuzzCase>& cases)
{
    const std::string megabyte(1 << 20, 'k');
    cases.push_back(config("huge", "1 MB task.kind", "{\"task\": {\"kind\": \"" + megabyte + "\"}}"));
    cases.push_back(config("huge", "1 MB unknown key", "{\"" + megabyte + "\": 1}"));
    cases.push_back(config("huge", "1 MB of digits in task.modulus",
                           "{\"task\": {\"modulus\": " + std::string(1 << 20, '9') + "}}"));
    cases.push_back(config("huge", "1 MB of digits in optim.learning_rate",
                           "{\"optim\": {\"learning_rate\": " + std::string(1 << 20, '7') + "}}"));
    FuzzCase big = config("huge", "17 MB file", "");
    big.prepare = [](const CaseFiles& f) { writeFile(f.input, "{\"name\": \"" + std::string(17 << 20, 'n') + "\"}"); };
    cases.push_back(std::move(big));
}

void addUnknownKeys(std::vector<FuzzCase>& cases)
{
    const std::vector<std::string> texts = {
        "{\"foo\": 1}", "{\"task\": {\"modlus\": 97}}", "{\"Task\": {\"modulus\": 97}}", "{\"task\": {\"Modulus\": 97}}",
        "{\"task\": {\"modulus \": 97}}", "{\"task\": {\"foo\": {\"bar\": 1}}}", "{\"run\": {\"steps\": {\"x\": 1}}}",
        "{\"optim\": {\"lr\": 0.1}}", "{\"model\": {\"d-model\": 64}}", "{\"grokscope_version\": {\"x\": 1}}",
        "{\"task\": 1}", "{\"task\": []}", "{\"task\": \"add\"}", "{\"task\": null}", "{\"run\": true}",
        "{\"metrics\": [1]}", "{\"a.b\": 1}", "{\"task.\": 1}", "{\".task\": 1}", "{\"task..modulus\": 97}",
        "{\"intervention\": {\"mixing\": {\"on\": true}}}", "{\"model\": {\"layers\": 1, \"extra\": 2}}",
    };
    for (size_t i = 0; i < texts.size(); ++i)
        cases.push_back(config("unknown key", texts[i], texts[i]));
}

void addPerKey(std::vector<FuzzCase>& cases)
{
    for (const KeySpec& spec : keyTable()) {
        for (const std::string& literal : wrongTypeLiterals(spec.kind))
            cases.push_back(config("wrong type", spec.key + " = " + literal, nestedKeyDocument(spec.key, literal)));
        for (const std::string& literal : spec.invalid)
            cases.push_back(config("out of range", spec.key + " = " + literal, nestedKeyDocument(spec.key, literal)));
        for (const std::string& literal : overflowLiterals(spec))
            cases.push_back(config("overflow", spec.key + " = " + literal, nestedKeyDocument(spec.key, literal)));
    }
    // JSON has no NaN or infinity: every spelling is a syntax error, never a number.
    for (const std::string key : {"optim.learning_rate", "task.train_fraction", "metrics.entropy_threshold",
                                  "task.modulus", "run.steps"})
        for (const std::string literal : {"NaN", "nan", "-NaN", "Infinity", "-Infinity", "inf", "+inf", "1e999999999"})
            cases.push_back(config("NaN or infinity", key + " = " + literal, nestedKeyDocument(key, literal)));
}

void addNames(std::vector<FuzzCase>& cases)
{
    const std::vector<std::pair<std::string, std::string>> names = {
        {"a/b", "a/b"}, {"../x", "../x"}, {"../../x", "../../x"}, {"../../../x", "../../../x"},
        {"../../../../x", "../../../../x"}, {"..", ".."}, {".", "."}, {"empty", ""}, {"/abs", "/abs"},
        {"a/../../b", "a/../../b"}, {"newline", "a\nb"}, {"tab", "a\tb"}, {"control 0x01", "a\x01" "b"},
        {"escape sequence", "\x1b[31mred"}, {"DEL", "x\x7f"}, {"backslash", "a\\b"},
        {"NUL inside", std::string("a\0b", 3)}, {"300 bytes", std::string(300, 'n')},
    };
    for (const auto& [detail, name] : names) {
        FuzzCase c = textCase(Family::Config, "name as run directory", detail,
                              "{\"name\": " + jsonQuote(name) + ", \"run\": {\"steps\": 400}}", kRunDefaultDirArgs);
        cases.push_back(std::move(c));
    }
}

}  // namespace

std::vector<FuzzCase> configCases(const CorpusContext& context)
{
    Random random = familyRandom(context.seed, "config");
    std::vector<FuzzCase> cases;
    addSyntax(cases);
    for (const std::string& text : truncations(context.validConfig, 100, random))
        cases.push_back(config("truncated", std::to_string(text.size()) + " bytes", text));
    for (const std::string& text : brokenJsonMutations(context.validConfig, 250, random))
        cases.push_back(config("random edit", "of z23-quick", text));
    addEncodings(cases);
    addNesting(cases);
    addHuge(cases);
    addUnknownKeys(cases);
    addPerKey(cases);
    for (FuzzCase& c : specialFileCases(Family::Config, "special file", kConfigArgs))
        cases.push_back(std::move(c));

    // The same refusals through `run`, which must stop before it trains or writes.
    std::vector<FuzzCase> throughRun;
    for (const FuzzCase& c : cases)
        if (random() % 12 == 0) {
            FuzzCase copy = c;
            copy.label = "run: " + c.label;
            copy.args = kRunArgs;
            throughRun.push_back(std::move(copy));
        }
    for (FuzzCase& c : specialFileCases(Family::Config, "run: special file", kRunArgs))
        throughRun.push_back(std::move(c));
    for (const std::string literal : {"1000000000000", "1e12", "9223372036854775808"})
        throughRun.push_back(textCase(Family::Config, "run: out of range", "run.steps = " + std::string(literal),
                                      nestedKeyDocument("run.steps", literal), kRunArgs));
    for (const std::string literal : {"1000", "257", "-1"})
        throughRun.push_back(textCase(Family::Config, "run: out of range", "run.threads = " + std::string(literal),
                                      nestedKeyDocument("run.threads", literal), kRunArgs));
    throughRun.push_back(textCase(Family::Config, "run: overflow", "task.modulus = 4294967319",
                                  nestedKeyDocument("task.modulus", "4294967319"), kRunArgs));
    for (FuzzCase& c : throughRun)
        cases.push_back(std::move(c));
    addNames(cases);
    return cases;
}

}  // namespace grokscope::fuzz
