#pragma once
// NumPy .npy (format version 1.0) for float32 matrices, so `numpy.load` reads
// probe representations directly.

#include <string>
#include <vector>

namespace grokscope {

void writeNpyFloat32(const std::string& path, int rows, int columns, const std::vector<float>& rowMajor);
// For tests and tools: reads back what writeNpyFloat32 wrote (C order, <f4 only).
std::vector<float> readNpyFloat32(const std::string& path, int& rows, int& columns);

}  // namespace grokscope
