#include "fuzz_files.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <sys/stat.h>

namespace grokscope::fuzz {

void writeFile(const fs::path& path, const std::string& bytes)
{
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out)
        throw std::runtime_error("cannot write " + path.string());
}

std::string readFile(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void removePath(const fs::path& path)
{
    std::error_code ignored;
    fs::remove_all(path, ignored);
}

void replaceWithFifo(const fs::path& path)
{
    removePath(path);
    if (::mkfifo(path.c_str(), 0600) != 0)
        throw std::runtime_error("cannot make a FIFO at " + path.string());
}

void replaceWithDirectory(const fs::path& path)
{
    removePath(path);
    fs::create_directories(path);
}

void replaceWithSymlink(const fs::path& path, const fs::path& target)
{
    removePath(path);
    fs::create_symlink(target, path);
}

void copyRun(const fs::path& from, const fs::path& to, bool withCheckpoints)
{
    fs::create_directories(to);
    for (const auto& entry : fs::directory_iterator(from)) {
        if (entry.path().filename() == "checkpoints" && !withCheckpoints)
            continue;
        fs::copy(entry.path(), to / entry.path().filename(), fs::copy_options::recursive);
    }
}

std::string jsonQuote(const std::string& raw)
{
    std::string out = "\"";
    for (const char c : raw) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20) {
            char escape[8];
            std::snprintf(escape, sizeof escape, "\\u%04x", byte);
            out += escape;
        } else {
            out += c;  // bytes >= 0x80 pass as they are: invalid UTF-8 stays invalid
        }
    }
    return out + "\"";
}

std::string nestedKeyDocument(const std::string& key, const std::string& literal)
{
    std::string open, close;
    std::string::size_type start = 0, dot;
    while ((dot = key.find('.', start)) != std::string::npos) {
        open += "{" + jsonQuote(key.substr(start, dot - start)) + ": ";
        close += "}";
        start = dot + 1;
    }
    return open + "{" + jsonQuote(key.substr(start)) + ": " + literal + "}" + close;
}

std::string withKey(const std::string& document, const std::string& key, const std::string& literal, int indent)
{
    static const std::string kMarker = "\"@@fuzz-literal@@\"";
    nlohmann::ordered_json root = nlohmann::ordered_json::parse(document);
    nlohmann::ordered_json* node = &root;
    std::string::size_type start = 0, dot;
    while ((dot = key.find('.', start)) != std::string::npos) {
        node = &(*node)[key.substr(start, dot - start)];
        start = dot + 1;
    }
    (*node)[key.substr(start)] = "@@fuzz-literal@@";
    std::string text = root.dump(indent);
    text.replace(text.find(kMarker), kMarker.size(), literal);
    return indent < 0 ? text : text + "\n";
}

std::string deepArrays(int depth, bool closed)
{
    return std::string(static_cast<size_t>(depth), '[') + (closed ? std::string(static_cast<size_t>(depth), ']') : "");
}

std::string deepObjects(int depth, bool closed)
{
    std::string text;
    text.reserve(static_cast<size_t>(depth) * 7);
    for (int i = 0; i < depth; ++i)
        text += "{\"a\":";
    text += "1";
    if (closed)
        text += std::string(static_cast<size_t>(depth), '}');
    return text;
}

namespace {

std::uint64_t fnv1a(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::uint64_t hash = 1469598103934665603ULL;
    char buffer[65536];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        for (std::streamsize i = 0; i < in.gcount(); ++i) {
            hash ^= static_cast<unsigned char>(buffer[i]);
            hash *= 1099511628211ULL;
        }
    }
    return hash;
}

void addEntries(const fs::path& root, const fs::path& directory, Snapshot& snapshot)
{
    std::error_code error;
    for (const auto& item : fs::directory_iterator(directory, error)) {
        // symlink_status: links, loops and FIFOs are recorded, never followed or opened.
        const fs::file_status status = fs::symlink_status(item.path(), error);
        Entry entry;
        if (fs::is_symlink(status)) {
            entry.type = 'l';
            const std::string target = fs::read_symlink(item.path(), error).string();
            entry.size = target.size();
            for (const char c : target)
                entry.hash = (entry.hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
        } else if (fs::is_directory(status)) {
            entry.type = 'd';
            addEntries(root, item.path(), snapshot);
        } else if (fs::is_regular_file(status)) {
            entry.size = fs::file_size(item.path(), error);
            entry.hash = fnv1a(item.path());
        } else {
            entry.type = 'o';  // FIFO, socket, device
        }
        snapshot[item.path().lexically_relative(root).string()] = entry;
    }
}

}  // namespace

Snapshot snapshotTree(const fs::path& root)
{
    Snapshot snapshot;
    std::error_code error;
    if (fs::is_directory(fs::symlink_status(root, error)))
        addEntries(root, root, snapshot);
    return snapshot;
}

std::string describeChanges(const Snapshot& before, const Snapshot& after, std::size_t limit)
{
    std::vector<std::string> lines;
    for (const auto& [name, entry] : after) {
        const auto old = before.find(name);
        if (old == before.end())
            lines.push_back("added " + name);
        else if (!(old->second == entry))
            lines.push_back("changed " + name);
    }
    for (const auto& [name, entry] : before)
        if (!after.count(name))
            lines.push_back("removed " + name);
    std::string text;
    for (std::size_t i = 0; i < lines.size() && i < limit; ++i)
        text += (text.empty() ? "" : "; ") + lines[i];
    if (lines.size() > limit)
        text += "; and " + std::to_string(lines.size() - limit) + " more";
    return text;
}

}  // namespace grokscope::fuzz
