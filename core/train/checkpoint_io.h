#pragma once
// What a checkpoint holds, as named fields of LibTorch's archive: everything needed to
// continue a run bit for bit. checkpoint_file wraps the archive's bytes with a header,
// a checksum and the run's identity. Internal to core/train.
//
// Format 2 (this build writes it):
//   format_version               int      2
//   parameters                   tensor   float32, the flat parameter buffer
//   adamw.exp_avg, adamw.exp_avg_sq, adamw.step   tensors, the optimiser (train/adamw.h)
//   step, last_evaluated_step    tensor   int64 scalars
//   training_ms                  tensor   float64 scalar
//   mixing/enabled               bool
//   mixing/alpha                 double
//   mixing/site                  string   "final_residual", "attention_output", "embedding"
//   entropy_floor/enabled        bool
//   entropy_floor/target         double
//   entropy_floor/weight         double
//   norm_match/reference         string   the reference run; "" when off
//   norm_match/trajectory        tensor   float64, N × 2: (step, ‖θ‖₂); 0 × 2 when off
//   events/memorised, events/grokked, events/threshold_crossing, events/collapsed
//                                int      the event's step; present only once it happened
//   events/recent_entropy        tensor   float64, the detector's window of H̃ values
//   norm_decay/squared_norms     tensor   float64, N × 2: (step, ‖θ‖²) since memorisation
//
// Format 1 (release 0.1, no format_version): the same parameters, optimiser, step,
// training_ms and last_evaluated_step; "mixing" float64 {enabled, alpha, site index};
// "entropy_floor" float64 {enabled, target, weight} (absent before that lever);
// "norm_trajectory" float64 {step, norm, step, norm, …}; "event_steps" float64
// {memorised, grokked, crossing, collapsed}, −1 = not yet; "recent_entropy";
// "squared_norm_history" float64 {step, ‖θ‖², …} (absent before that diagnostic).

#include <string>

namespace grokscope {

struct TrainerState;

inline constexpr int kCheckpointFormatVersion = 2;

// The archive's bytes for the state now (format 2).
std::string checkpointArchive(const TrainerState& state);
// Restores the state from an archive of format 1 or 2. Throws RunLogError naming
// `path` and the field for an archive that does not read back.
void restoreCheckpointArchive(TrainerState& state, const std::string& payload, const std::string& path);

}  // namespace grokscope
