#pragma once
// Every config key with its storage type and the values validateConfig must refuse,
// as JSON literals written verbatim into the case's file (so 4294967319 stays
// 4294967319 and 1e400 stays 1e400). The table is checked against `grokscope-cli
// keys` at start-up: a key added to the product without a row here fails the test.

#include <string>
#include <vector>

namespace grokscope::fuzz {

enum class KeyKind { Int32, Int64, UInt64, Double, NullableDouble, Bool, String, Enum, StepList };

struct KeySpec {
    std::string key;
    KeyKind kind;
    std::string valid;                 // a valid literal, e.g. "64" (2^32 + it must not wrap to it)
    std::vector<std::string> invalid;  // out of range for this key whatever the preset
};

const std::vector<KeySpec>& keyTable();
const KeySpec* findKey(const std::string& key);

// Literals of the wrong JSON type for the key.
std::vector<std::string> wrongTypeLiterals(KeyKind kind);
// Integers past what the key's storage holds (2^31, 2^32 + valid, 2^63, 2^64, ...).
std::vector<std::string> overflowLiterals(const KeySpec& spec);

// Keys in one list and not the other, as "key: reason" lines.
std::vector<std::string> keyTableMismatches(const std::vector<std::string>& productKeys);

}  // namespace grokscope::fuzz
