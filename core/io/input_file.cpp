#include "io/input_file.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>

namespace fs = std::filesystem;

namespace grokscope {

void requireRegularFile(const std::string& path)
{
    std::error_code error;
    const fs::file_status status = fs::status(path, error);
    if (error || !fs::exists(status))
        throw InputError(path + ": cannot open: no such file");
    if (fs::is_directory(status))
        throw InputError(path + ": is a directory, not a file");
    if (!fs::is_regular_file(status))
        throw InputError(path + ": not a regular file (a FIFO, socket or device is refused)");
}

std::ifstream openRegularFile(const std::string& path)
{
    requireRegularFile(path);
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw InputError(path + ": cannot open for reading");
    return in;
}

std::string readTextFile(const std::string& path, std::uintmax_t maxBytes)
{
    std::ifstream in = openRegularFile(path);
    std::error_code error;
    const std::uintmax_t size = fs::file_size(path, error);
    if (!error && size > maxBytes)
        throw InputError(path + ": " + std::to_string(size) + " bytes, more than the " + std::to_string(maxBytes)
                         + " this file may have");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad())
        throw InputError(path + ": read error");
    return text.str();
}

int jsonNestingDepth(const std::string& text, int limit)
{
    int depth = 0, deepest = 0;
    bool inString = false, escaped = false;
    for (const char c : text) {
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
            if (deepest >= limit)
                return deepest;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

nlohmann::json parseJsonText(const std::string& text, const std::string& what)
{
    if (jsonNestingDepth(text) > kMaxJsonDepth)
        throw InputError(what + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& error) {  // parse_error, or out_of_range for 1e400
        throw InputError(what + ": not valid JSON: " + error.what());
    }
}

std::optional<nlohmann::json> tryParseJsonText(const std::string& text)
{
    if (jsonNestingDepth(text) > kMaxJsonDepth)
        return std::nullopt;
    nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
    if (parsed.is_discarded())
        return std::nullopt;
    return parsed;
}

nlohmann::json readJsonFile(const std::string& path)
{
    return parseJsonText(readTextFile(path), path);
}

bool isValidUtf8(const std::string& text)
{
    size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        const int length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
        if (length == 0 || i + length > text.size())
            return false;
        unsigned codePoint = length == 1 ? lead : lead & (0x7F >> length);
        for (int k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80)
                return false;
            codePoint = codePoint << 6 | (next & 0x3F);
        }
        // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
        static constexpr unsigned kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
        if (codePoint < kSmallest[length] || (codePoint >= 0xD800 && codePoint <= 0xDFFF) || codePoint > 0x10FFFF)
            return false;
        i += length;
    }
    return true;
}

std::string quotedForMessage(const nlohmann::json& value)
{
    std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (text.size() > 80) {
        size_t cut = 77;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
            --cut;  // never split a UTF-8 sequence
        text = text.substr(0, cut) + "...";
    }
    return text;
}

std::string quotedForMessage(const std::string& text)
{
    return quotedForMessage(nlohmann::json(text));
}

std::optional<std::string> nameTextProblem(const std::string& name)
{
    if (name.size() > 200)
        return "is longer than 200 bytes";
    for (const char c : name)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            return "contains a control character";
    if (!isValidUtf8(name))
        return "is not valid UTF-8";
    return std::nullopt;
}

std::optional<std::string> plainNameProblem(const std::string& name)
{
    if (name.empty())
        return "is empty";
    if (name == "." || name == "..")
        return "is \"" + name + "\", which names a directory, not a new one";
    for (const char c : name)
        if (c == '/' || c == '\\')
            return "contains a path separator ('" + std::string(1, c) + "'); use a plain name";
    return nameTextProblem(name);
}

}  // namespace grokscope
