#pragma once
// A checkpoint is a LibTorch archive: a zip of stored (uncompressed) records. These
// edits keep it a well-formed zip, so a reader that trusts the container alone reads
// damaged content without noticing; only a check of the content itself refuses it.

#include <string>

namespace grokscope::fuzz {

// The archive with the data of the first record whose name ends with `suffix` written
// twice in a row, its sizes, CRC and every later offset updated. Empty when the
// record is missing or the archive uses features this editor does not handle.
std::string doubleZipRecord(const std::string& zip, const std::string& suffix);

}  // namespace grokscope::fuzz
