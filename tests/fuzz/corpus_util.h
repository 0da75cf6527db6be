#pragma once
// Small builders the four generators share.

#include "fuzz_case.h"
#include "fuzz_files.h"

#include <string>
#include <vector>

namespace grokscope::fuzz {

// A case whose input file holds exactly `text`.
FuzzCase textCase(Family family, std::string label, std::string detail, std::string text,
                  std::vector<std::string> args);

// Special things in place of an input file, each as its own case: a FIFO, a directory,
// a link to /dev/zero, /dev/null, a missing file, a dangling link, a link loop, and a
// path that goes through a regular file.
std::vector<FuzzCase> specialFileCases(Family family, const std::string& label, std::vector<std::string> args);

// Random byte edits of `valid` that leave it invalid JSON (checked with nlohmann's
// accept, the reference parser); deterministic for a given generator state.
std::vector<std::string> brokenJsonMutations(const std::string& valid, int count, Random& random);
// Prefixes of `valid` cut before its last closing brace, at `count` positions.
std::vector<std::string> truncations(const std::string& valid, int count, Random& random);

// A seed for one generator, so adding cases to one family leaves the others unchanged.
Random familyRandom(unsigned long long seed, const std::string& family);

}  // namespace grokscope::fuzz
