#pragma once
// Reading what a user (or a damaged disk) hands us, safely: only regular files (a
// FIFO or a device in place of a log file would block every reader), a size bound,
// and JSON whose nesting is bounded before nlohmann parses it (the parser and every
// recursive walk over its result would overflow the stack on 50,000 levels).

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>

namespace grokscope {

// A file that cannot be read as asked. The message names the file and the problem.
class InputError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

inline constexpr int kMaxJsonDepth = 64;
inline constexpr std::uintmax_t kMaxConfigBytes = 16u << 20;  // configs, specs, run configs

// Throws InputError unless `path` names a regular file (symlinks to one are fine).
void requireRegularFile(const std::string& path);
// Opens a regular file for reading, or throws InputError.
std::ifstream openRegularFile(const std::string& path);
// The whole file, refused when larger than `maxBytes`.
std::string readTextFile(const std::string& path, std::uintmax_t maxBytes = kMaxConfigBytes);

// The nesting depth of JSON text ([ and { outside strings); stops counting past `limit`.
int jsonNestingDepth(const std::string& text, int limit = kMaxJsonDepth + 1);
// Parses JSON text, refusing nesting deeper than kMaxJsonDepth. `what` names the
// source in the message ("runs/x/config.json", "events.jsonl:12").
nlohmann::json parseJsonText(const std::string& text, const std::string& what);
// The same, without throwing: nullopt for anything parseJsonText would refuse.
std::optional<nlohmann::json> tryParseJsonText(const std::string& text);
// readTextFile + parseJsonText.
nlohmann::json readJsonFile(const std::string& path);

// True when `text` is well-formed UTF-8 (JSON output throws on anything else).
bool isValidUtf8(const std::string& text);
// A value for a one-line error message: JSON-escaped (newlines and control characters
// become escapes, invalid UTF-8 a replacement character), cut to about 80 characters.
std::string quotedForMessage(const std::string& text);
std::string quotedForMessage(const nlohmann::json& value);

// Why `name` cannot be shown as one line of text, or nullopt: a control character,
// invalid UTF-8, or over 200 bytes.
std::optional<std::string> nameTextProblem(const std::string& name);
// Why `name` cannot be one directory level under a folder the user chose, or nullopt
// when it can: empty, ".", "..", a '/' or '\\', a control character, invalid UTF-8, or over 200 bytes.
std::optional<std::string> plainNameProblem(const std::string& name);

}  // namespace grokscope
