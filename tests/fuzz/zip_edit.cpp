#include "zip_edit.h"

#include <cstdint>

namespace grokscope::fuzz {

namespace {

std::uint32_t crc32(const std::string& bytes)
{
    std::uint32_t crc = 0xFFFFFFFFu;
    for (const char c : bytes) {
        crc ^= static_cast<unsigned char>(c);
        for (int k = 0; k < 8; ++k)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

std::uint64_t get(const std::string& b, size_t at, int bytes)
{
    std::uint64_t value = 0;
    for (int i = bytes - 1; i >= 0; --i)
        value = value << 8 | static_cast<unsigned char>(b.at(at + static_cast<size_t>(i)));
    return value;
}

void put(std::string& b, size_t at, int bytes, std::uint64_t value)
{
    for (int i = 0; i < bytes; ++i)
        b.at(at + static_cast<size_t>(i)) = static_cast<char>(value >> (8 * i) & 0xFF);
}

constexpr std::uint32_t kLocal = 0x04034b50, kCentral = 0x02014b50, kDescriptor = 0x08074b50, kEnd = 0x06054b50,
                        kEnd64 = 0x06064b50, kLocator64 = 0x07064b50;

}  // namespace

std::string doubleZipRecord(const std::string& zip, const std::string& suffix)
{
    const size_t end = zip.rfind("PK\x05\x06");
    if (end == std::string::npos || get(zip, end, 4) != kEnd)
        return {};
    const size_t entries = get(zip, end + 10, 2);
    const size_t cdSize = get(zip, end + 12, 4);
    const size_t cdOffset = get(zip, end + 16, 4);
    if (cdOffset == 0xFFFFFFFF || cdSize == 0xFFFFFFFF || cdOffset + cdSize > zip.size())
        return {};

    // Find the record in the central directory.
    size_t at = cdOffset, targetCentral = 0, targetLocal = 0, size = 0;
    bool found = false;
    for (size_t i = 0; i < entries; ++i) {
        if (get(zip, at, 4) != kCentral)
            return {};
        const size_t nameLength = get(zip, at + 28, 2), extra = get(zip, at + 30, 2), comment = get(zip, at + 32, 2);
        const std::string name = zip.substr(at + 46, nameLength);
        if (!found && name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
            if (get(zip, at + 10, 2) != 0 || get(zip, at + 20, 4) == 0xFFFFFFFF || get(zip, at + 42, 4) == 0xFFFFFFFF)
                return {};  // compressed or zip64 record
            found = true;
            targetCentral = at;
            targetLocal = get(zip, at + 42, 4);
            size = get(zip, at + 20, 4);
        }
        at += 46 + nameLength + extra + comment;
    }
    if (!found || get(zip, targetLocal, 4) != kLocal)
        return {};

    const bool hasDescriptor = get(zip, targetLocal + 6, 2) & 0x8;
    const size_t dataStart = targetLocal + 30 + get(zip, targetLocal + 26, 2) + get(zip, targetLocal + 28, 2);
    const std::string data = zip.substr(dataStart, size);
    const std::uint32_t crc = crc32(data + data);
    std::string out = zip.substr(0, dataStart + size) + data + zip.substr(dataStart + size);
    const size_t delta = size;

    // The record's own fields: in the descriptor after its data, or in its local header.
    if (hasDescriptor) {
        size_t d = dataStart + 2 * size;
        if (get(out, d, 4) == kDescriptor)
            d += 4;
        put(out, d, 4, crc);
        put(out, d + 4, 4, 2 * size);
        put(out, d + 8, 4, 2 * size);
    } else {
        put(out, targetLocal + 14, 4, crc);
        put(out, targetLocal + 18, 4, 2 * size);
        put(out, targetLocal + 22, 4, 2 * size);
    }
    // Central directory: the record's sizes and CRC, and every later record's offset.
    at = cdOffset + delta;
    for (size_t i = 0; i < entries; ++i) {
        const size_t local = get(out, at + 42, 4);
        if (local > targetLocal)
            put(out, at + 42, 4, local + delta);
        if (at == targetCentral + delta) {
            put(out, at + 16, 4, crc);
            put(out, at + 20, 4, 2 * size);
            put(out, at + 24, 4, 2 * size);
        }
        at += 46 + get(out, at + 28, 2) + get(out, at + 30, 2) + get(out, at + 32, 2);
    }
    // End records: where the central directory (and the zip64 end record) now start.
    put(out, end + delta + 16, 4, cdOffset + delta);
    const size_t locator = end + delta >= 20 ? end + delta - 20 : 0;
    if (get(out, locator, 4) == kLocator64) {
        const size_t end64 = get(out, locator + 8, 8);
        put(out, locator + 8, 8, end64 + delta);
        if (get(out, end64 + delta, 4) == kEnd64)
            put(out, end64 + delta + 48, 8, get(out, end64 + delta + 48, 8) + delta);
    }
    return out;
}

}  // namespace grokscope::fuzz
