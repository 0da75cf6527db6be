#pragma once
// Building the damaged inputs: JSON text written verbatim, special files in place of
// regular ones, copies of the base runs, and tree snapshots that prove nothing else
// changed.

#include <cstdint>
#include <filesystem>
#include <map>
#include <random>
#include <string>

namespace grokscope::fuzz {

namespace fs = std::filesystem;

using Random = std::mt19937_64;

void writeFile(const fs::path& path, const std::string& bytes);
std::string readFile(const fs::path& path);
// Replaces whatever is at `path` (file, directory, link) by the named special thing.
void replaceWithFifo(const fs::path& path);
void replaceWithDirectory(const fs::path& path);
void replaceWithSymlink(const fs::path& path, const fs::path& target);
void removePath(const fs::path& path);
// A run directory copy; checkpoints only when the command reads them (resume, --open).
void copyRun(const fs::path& from, const fs::path& to, bool withCheckpoints);

// JSON text builders. Literals are inserted as text, never through a JSON library.
std::string jsonQuote(const std::string& raw);  // a JSON string literal for raw bytes
// {"a": {"b": LITERAL}} for key "a.b".
std::string nestedKeyDocument(const std::string& key, const std::string& literal);
// `document` (a JSON object) with the dotted key set to the literal, other keys kept.
std::string withKey(const std::string& document, const std::string& key, const std::string& literal, int indent = 2);
std::string deepArrays(int depth, bool closed = true);
std::string deepObjects(int depth, bool closed = true);

// Size, type and FNV-1a hash of every entry below `root` (root itself excluded).
struct Entry {
    char type = 'f';  // f file, d directory, l link, o other
    std::uintmax_t size = 0;
    std::uint64_t hash = 0;
    bool operator==(const Entry& other) const
    {
        return type == other.type && size == other.size && hash == other.hash;
    }
};
using Snapshot = std::map<std::string, Entry>;
Snapshot snapshotTree(const fs::path& root);
// "added x", "removed y", "changed z" lines; empty when equal.
std::string describeChanges(const Snapshot& before, const Snapshot& after, std::size_t limit = 5);

}  // namespace grokscope::fuzz
