#pragma once
// File helpers the tests share: a file's bytes, and a CSV without one column (the
// wall-clock elapsed_ms of metrics.csv, when two runs must agree bit for bit).

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

// The file's bytes; empty when it cannot be read.
inline std::string readText(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// `csv` with the column named in its header removed from every row; unchanged when
// the header lacks it.
inline std::string csvWithoutColumn(const std::string& csv, const std::string& column)
{
    std::istringstream in(csv);
    std::string line, kept;
    long drop = -1;
    while (std::getline(in, line)) {
        std::vector<std::string> cells;
        std::string cell;
        std::istringstream row(line);
        while (std::getline(row, cell, ','))
            cells.push_back(cell);
        if (drop == -1) {
            long index = 0;
            drop = -2;
            for (const std::string& name : cells) {
                if (name == column)
                    drop = index;
                ++index;
            }
        }
        if (drop >= 0 && drop < long(cells.size()))
            cells.erase(cells.begin() + drop);
        for (const std::string& c : cells)
            kept += c + ",";
        kept += "\n";
    }
    return kept;
}
