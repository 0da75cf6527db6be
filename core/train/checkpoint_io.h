#pragma once
// What a checkpoint holds, as named fields of LibTorch's archive: everything needed to
// continue a run bit for bit. checkpoint_file wraps the archive's bytes with a header,
// a checksum and the run's identity. Internal to core/train.
//
// Format 3 (this build writes it):
//   format_version               int      3
//   parameters                   tensor   float32, the flat parameter buffer
//   adamw.exp_avg, adamw.exp_avg_sq, adamw.step   tensors, the optimiser (train/adamw.h)
//   step, last_evaluated_step    tensor   int64 scalars
//   training_ms                  tensor   float64 scalar
//   mixing/enabled               bool
//   mixing/alpha                 double
//   mixing/site                  string   "final_residual", "attention_output", "embedding"
//   mixing/form                  string   "convex", "swap"
//   mixing/partner_gradient      string   "through", "detached"
//   mixing/permutation           string   "cycle", "derangement", "same_class", "different_class"
//   mixing/probability           double
//   mixing/labels                bool
//   mixing/at_evaluation         bool     (the names: config/levers.h)
//   entropy_floor/enabled        bool
//   entropy_floor/target         double
//   entropy_floor/weight         double
//   norm_match/reference         string   the reference run; "" when off
//   norm_match/trajectory        tensor   float64, N × 2: (step, ‖θ‖₂); 0 × 2 when off
//   events/memorised, events/grokked, events/threshold_crossing, events/collapsed
//                                int      the event's step; present only once it happened
//   events/entropy_history       tensor   float64, N × 2: (step, H̃), the collapse rule's
//                                         history (EventDetector::State), steps increasing
//   norm_decay/squared_norms     tensor   float64, N × 2: (step, ‖θ‖²) since memorisation
//
// Format 2 (the releases between): format 3 without the six mixing variants, which load
// as their defaults (what those runs did), and with events/recent_entropy, float64, the
// last H̃ values of a collapse window counted in evaluations, without their steps.
//
// Format 1 (release 0.1, no format_version): the same parameters, optimiser, step,
// training_ms and last_evaluated_step; "mixing" float64 {enabled, alpha, site index};
// "entropy_floor" float64 {enabled, target, weight} (absent before that lever);
// "norm_trajectory" float64 {step, norm, step, norm, …}; "event_steps" float64
// {memorised, grokked, crossing, collapsed}, −1 = not yet; "recent_entropy" as format 2;
// "squared_norm_history" float64 {step, ‖θ‖², …} (absent before that diagnostic).
//
// The H̃ values of formats 1 and 2 get their steps back from the cadence: they came from
// consecutive spectrum evaluations, the newest at the latest multiple of
// run.spectrum_every_steps at or before last_evaluated_step (checkpoint_io.cpp,
// historyAtCadence). They span (N − 1) evaluations, which is exactly the window of a
// config whose metrics.collapse_window_evals read as N: such a run resumes with the
// events it would have had uninterrupted. Under a longer window W the rule has no
// reference, and cannot fire, until W − (N − 1) × C steps after the checkpoint's last
// spectrum evaluation.

#include <string>

namespace grokscope {

struct TrainerState;

inline constexpr int kCheckpointFormatVersion = 3;

// The archive's bytes for the state now (format 3).
std::string checkpointArchive(const TrainerState& state);
// Restores the state from an archive of format 1, 2 or 3. Throws RunLogError naming
// `path` and the field for an archive that does not read back.
void restoreCheckpointArchive(TrainerState& state, const std::string& payload, const std::string& path);

}  // namespace grokscope
