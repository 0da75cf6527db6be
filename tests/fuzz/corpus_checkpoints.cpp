// The base run's latest checkpoint (the one `resume` loads), damaged: bit flips,
// truncations, foreign content, a record doubled inside a well-formed archive. Every
// one must be refused with exit 3 before anything trains or is written.

#include "corpus_util.h"
#include "zip_edit.h"

#include <set>

namespace grokscope::fuzz {

namespace {

FuzzCase checkpointCase(const std::string& checkpoint, std::string label, std::string detail,
                        std::function<void(const fs::path& file, const CaseFiles& files)> damage)
{
    FuzzCase c;
    c.family = Family::Checkpoint;
    c.label = std::move(label);
    c.detail = std::move(detail);
    c.inputName = "run";
    c.names = checkpoint;
    c.args = {"resume", "{input}", "--quiet"};
    c.prepare = [checkpoint, damage](const CaseFiles& f) {
        copyRun(f.base->seed0, f.input, true);
        damage(f.input / "checkpoints" / checkpoint, f);
    };
    return c;
}

// Edits the checkpoint's bytes.
std::function<void(const fs::path&, const CaseFiles&)> edit(std::function<void(std::string&)> change)
{
    return [change](const fs::path& file, const CaseFiles&) {
        std::string bytes = readFile(file);
        change(bytes);
        writeFile(file, bytes);
    };
}

}  // namespace

std::vector<FuzzCase> checkpointCases(const CorpusContext& context)
{
    Random random = familyRandom(context.seed, "checkpoint");
    const std::string name = context.base->latestCheckpoint;
    const fs::path original = context.base->seed0 / "checkpoints" / name;
    const std::string bytes = readFile(original);
    const size_t size = bytes.size();
    std::vector<FuzzCase> cases;

    // Bit flips: the header, the end records and central directory, and everywhere.
    std::set<size_t> offsets;
    while (offsets.size() < 16)
        offsets.insert(random() % 64);
    while (offsets.size() < 32)
        offsets.insert(size - 1 - random() % 1500);
    while (offsets.size() < 90)
        offsets.insert(random() % size);
    for (const size_t offset : offsets) {
        const int bit = static_cast<int>(random() % 8);
        cases.push_back(checkpointCase(name, "bit flip", "offset " + std::to_string(offset) + " bit " + std::to_string(bit),
                                       edit([offset, bit](std::string& b) { b[offset] ^= static_cast<char>(1 << bit); })));
    }
    // Cut short.
    std::set<size_t> lengths = {1, 2, 4, 22, 30, 64, 100, 1000, size / 4, size / 2, size - 1, size - 2, size - 22, size - 100};
    while (lengths.size() < 26)
        lengths.insert(1 + random() % (size - 1));
    for (const size_t length : lengths)
        cases.push_back(checkpointCase(name, "truncated", std::to_string(length) + " of " + std::to_string(size) + " bytes",
                                       edit([length](std::string& b) { b.resize(length); })));
    cases.push_back(checkpointCase(name, "zero length", "0 bytes", edit([](std::string& b) { b.clear(); })));

    std::string noise(size, '\0');
    for (char& c : noise)
        c = static_cast<char>(random() % 256);
    cases.push_back(checkpointCase(name, "random bytes", "same size", edit([noise](std::string& b) { b = noise; })));
    cases.push_back(checkpointCase(name, "random bytes", "100 bytes",
                                   edit([noise](std::string& b) { b = noise.substr(0, 100); })));
    cases.push_back(checkpointCase(name, "another run's checkpoint", "seed 1, same step",
                                   [name](const fs::path& file, const CaseFiles& f) {
                                       fs::copy_file(f.base->seed1 / "checkpoints" / name, file,
                                                     fs::copy_options::overwrite_existing);
                                   }));
    // A record doubled inside a valid archive, and a span of bytes doubled in place.
    for (const std::string record : {"/data/0", "/data/3", "/data/9", "/data.pkl", "/version"}) {
        const std::string doubled = doubleZipRecord(bytes, record);
        if (!doubled.empty())
            cases.push_back(checkpointCase(name, "record doubled", record.substr(1),
                                           edit([doubled](std::string& b) { b = doubled; })));
    }
    for (int k = 0; k < 4; ++k) {
        const size_t at = random() % (size - 64);
        cases.push_back(checkpointCase(name, "bytes doubled", "64 bytes at " + std::to_string(at),
                                       edit([at](std::string& b) { b.insert(at, b.substr(at, 64)); })));
    }
    cases.push_back(checkpointCase(name, "special file", "FIFO", [](const fs::path& file, const CaseFiles&) {
        replaceWithFifo(file);
    }));
    cases.push_back(checkpointCase(name, "special file", "directory", [](const fs::path& file, const CaseFiles&) {
        replaceWithDirectory(file);
    }));
    cases.push_back(checkpointCase(name, "special file", "link to /dev/zero", [](const fs::path& file, const CaseFiles&) {
        replaceWithSymlink(file, "/dev/zero");
    }));
    // A damaged file that sorts after the real checkpoints is the one resume picks.
    const std::string newest = "step_99999999.pt";
    for (const auto& [detail, content] : std::vector<std::pair<std::string, std::string>>{
             {"random bytes", noise.substr(0, 5000)}, {"empty", ""}, {"first half of a real one", bytes.substr(0, size / 2)}}) {
        FuzzCase c = checkpointCase(name, "newer damaged checkpoint", detail, [newest, content](const fs::path& file, const CaseFiles&) {
            writeFile(file.parent_path() / newest, content);
        });
        c.names = newest;
        cases.push_back(std::move(c));
    }
    return cases;
}

}  // namespace grokscope::fuzz
