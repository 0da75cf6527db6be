#include "io/checkpoint_file.h"

#include "io/config_json.h"
#include "io/input_file.h"
#include "io/run_log.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fcntl.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace grokscope {

namespace {

constexpr const char* kMagic = "GROKSCOPE-CHECKPOINT 1";
constexpr std::uintmax_t kMaxCheckpointBytes = 4ull << 30;

std::string hex64(uint64_t value)
{
    char buffer[17];
    std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(value));
    return buffer;
}

bool isLegacyArchive(const std::string& bytes)
{
    return bytes.compare(0, 4, "PK\x03\x04") == 0;  // a bare zip, as LibTorch writes it
}

// Each key of the stored identity must hold the same value in the run's: a key added in
// a later version (absent from an older checkpoint) is not compared.
void requireSameIdentity(const nlohmann::json& stored, const nlohmann::json& current, const std::string& prefix,
                         const std::string& path)
{
    if (!stored.is_object())
        throw RunLogError(path + ": corrupt identity in the checkpoint header");
    for (const auto& [key, value] : stored.items()) {
        const std::string name = prefix.empty() ? key : prefix + "." + key;
        const auto mine = current.find(key);
        if (mine == current.end())
            continue;
        if (value.is_object()) {
            requireSameIdentity(value, *mine, name, path);
        } else if (value != *mine) {
            throw RunLogError(path + ": belongs to another run (" + name + " " + quotedForMessage(value)
                              + ", this run's is " + quotedForMessage(*mine) + ")");
        }
    }
}

void writeAll(int descriptor, const char* data, size_t size, const std::string& path)
{
    while (size > 0) {
        const ssize_t written = ::write(descriptor, data, size);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            throw RunLogError("cannot write checkpoint " + path + ": " + std::strerror(written < 0 ? errno : ENOSPC)
                              + " (is the disk full?); earlier checkpoints are intact");
        data += written;
        size -= static_cast<size_t>(written);
    }
}

}  // namespace

nlohmann::json checkpointIdentity(const TrainConfig& config)
{
    const nlohmann::json all = configToJson(config);
    return {{"task", all["task"]},
            {"model", all["model"]},
            {"optim", all["optim"]},
            {"run", {{"model_seed", all["run"]["model_seed"]}}}};
}

uint64_t fnv1a64(const std::string& bytes)
{
    uint64_t hash = 0xcbf29ce484222325ull;
    for (const char c : bytes) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ull;
    }
    return hash;
}

void writeCheckpointFile(const std::string& path, const TrainConfig& config, const std::string& payload)
{
    const nlohmann::json header = {{"payload_bytes", payload.size()},
                                   {"fnv1a64", hex64(fnv1a64(payload))},
                                   {"identity", checkpointIdentity(config)}};
    const std::string head = std::string(kMagic) + "\n" + header.dump() + "\n";
    const std::string temporary = path + ".partial";
    const int descriptor = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (descriptor < 0)
        throw RunLogError("cannot write checkpoint " + path + ": " + std::strerror(errno));
    try {
        writeAll(descriptor, head.data(), head.size(), path);
        writeAll(descriptor, payload.data(), payload.size(), path);
        if (::fsync(descriptor) != 0 && errno != EINVAL)
            throw RunLogError("cannot write checkpoint " + path + ": " + std::strerror(errno)
                              + " (is the disk full?); earlier checkpoints are intact");
    } catch (...) {
        ::close(descriptor);
        std::error_code ignored;
        fs::remove(temporary, ignored);  // a partial file would keep the disk full
        throw;
    }
    if (::close(descriptor) != 0 || std::rename(temporary.c_str(), path.c_str()) != 0) {
        std::error_code ignored;
        fs::remove(temporary, ignored);
        throw RunLogError("cannot write checkpoint " + path + ": " + std::strerror(errno));
    }
}

std::string readCheckpointFile(const std::string& path, const TrainConfig& config)
{
    std::string bytes;
    try {
        bytes = readTextFile(path, kMaxCheckpointBytes);
    } catch (const InputError& error) {
        throw RunLogError(error.what());
    }
    if (isLegacyArchive(bytes))
        return bytes;
    const size_t magicEnd = bytes.find('\n');
    if (magicEnd == std::string::npos || bytes.compare(0, magicEnd, kMagic) != 0)
        throw RunLogError(path + ": not a GrokScope checkpoint (unknown header)");
    const size_t headerEnd = bytes.find('\n', magicEnd + 1);
    if (headerEnd == std::string::npos)
        throw RunLogError(path + ": checkpoint header is cut short");
    const auto header = tryParseJsonText(bytes.substr(magicEnd + 1, headerEnd - magicEnd - 1));
    if (!header || !header->is_object() || !header->contains("payload_bytes") || !header->contains("fnv1a64")
        || !header->contains("identity") || !(*header)["payload_bytes"].is_number_unsigned()
        || !(*header)["fnv1a64"].is_string())
        throw RunLogError(path + ": checkpoint header is corrupt");
    std::string payload = bytes.substr(headerEnd + 1);
    const auto expectedBytes = (*header)["payload_bytes"].get<unsigned long long>();
    if (payload.size() != expectedBytes)
        throw RunLogError(path + ": checkpoint holds " + std::to_string(payload.size()) + " bytes of data, its header says "
                          + std::to_string(expectedBytes) + " (cut short or padded)");
    if (hex64(fnv1a64(payload)) != (*header)["fnv1a64"].get<std::string>())
        throw RunLogError(path + ": checkpoint checksum does not match its contents (the file is damaged)");
    requireSameIdentity((*header)["identity"], checkpointIdentity(config), "", path);
    return payload;
}

}  // namespace grokscope
