#include "io/npy_writer.h"

#include "io/run_log.h"

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <regex>
#include <stdexcept>

namespace grokscope {

void writeNpyFloat32(const std::string& path, int rows, int columns, const std::vector<float>& rowMajor)
{
    if (static_cast<size_t>(rows) * static_cast<size_t>(columns) != rowMajor.size())
        throw std::invalid_argument("writeNpyFloat32: shape does not match the data");
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", "
                         + std::to_string(columns) + "), }";
    // Magic (6) + version (2) + length (2) + header must be a multiple of 64, ending in '\n'.
    const size_t unpadded = 10 + header.size() + 1;
    header.append((64 - unpadded % 64) % 64, ' ');
    header.push_back('\n');
    const std::string temporary = path + ".partial";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        const char magic[] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0};
        out.write(magic, sizeof magic);
        const uint16_t length = static_cast<uint16_t>(header.size());
        const char lengthBytes[] = {static_cast<char>(length & 0xff), static_cast<char>(length >> 8)};
        out.write(lengthBytes, 2);
        out.write(header.data(), static_cast<std::streamsize>(header.size()));
        out.write(reinterpret_cast<const char*>(rowMajor.data()),
                  static_cast<std::streamsize>(rowMajor.size() * sizeof(float)));
        out.flush();
        if (!out) {
            out.close();
            std::remove(temporary.c_str());  // a partial file would keep the disk full
            throw RunLogError("cannot write " + path + " (is the disk full?)");
        }
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        std::remove(temporary.c_str());
        throw RunLogError("cannot write " + path);
    }
}

std::vector<float> readNpyFloat32(const std::string& path, int& rows, int& columns)
{
    std::ifstream in(path, std::ios::binary);
    char prefix[10];
    if (!in.read(prefix, 10) || std::string(prefix + 1, 5) != "NUMPY")
        throw std::runtime_error(path + ": not a .npy file");
    const uint16_t length = static_cast<uint8_t>(prefix[8]) | (static_cast<uint8_t>(prefix[9]) << 8);
    std::string header(length, '\0');
    in.read(header.data(), length);
    std::smatch match;
    if (header.find("'<f4'") == std::string::npos
        || !std::regex_search(header, match, std::regex(R"(\((\d+), (\d+)\))")))
        throw std::runtime_error(path + ": not a 2-D float32 .npy file");
    rows = std::stoi(match[1]);
    columns = std::stoi(match[2]);
    std::vector<float> values(static_cast<size_t>(rows) * columns);
    if (!in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(values.size() * sizeof(float))))
        throw std::runtime_error(path + ": truncated data");
    return values;
}

}  // namespace grokscope
