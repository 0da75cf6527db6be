#pragma once
// The checkpoint file around LibTorch's archive: a header line, a JSON line with the
// payload's length, its FNV-1a 64 checksum and the identity of the run it belongs to,
// then the archive's bytes.
//
//   GROKSCOPE-CHECKPOINT 1\n
//   {"payload_bytes":N,"fnv1a64":"…","identity":{"task":{…},"model":{…},"optim":{…},"run":{"model_seed":…}}}\n
//   <N bytes: the torch::serialize archive>
//
// The header's "1" versions this envelope; the archive's own fields carry their format
// version (format_version; the fields are listed in core/train/checkpoint_io.h).
//
// LibTorch's loader does not check its zip records' CRCs, so a bit flip used to resume
// silently; the checksum refuses it. The identity refuses a checkpoint copied from
// another seed or task. Archives written before this header existed still load
// (unverified). Written to a temporary file, synced and renamed: a kill or a full disk
// never leaves a torn checkpoint under the final name.

#include "config/train_config.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>

namespace grokscope {

// The settings that decide a run's trajectory: task.*, model.*, optim.*, run.model_seed.
// A checkpoint resumes only into a run whose identity agrees with its own.
nlohmann::json checkpointIdentity(const TrainConfig& config);

uint64_t fnv1a64(const std::string& bytes);

// Throws RunLogError (naming the file; a full disk says so) and leaves no partial file.
void writeCheckpointFile(const std::string& path, const TrainConfig& config, const std::string& payload);
// The archive's bytes, after checking the header, length, checksum and identity against
// `config`. Throws RunLogError naming the file and the first problem.
std::string readCheckpointFile(const std::string& path, const TrainConfig& config);

}  // namespace grokscope
