#pragma once
// A training run with its directory: the Trainer, the run log, periodic
// checkpoints, resume, and the norm reference of the norm-matched control.
// Used by the CLI, the GUI's worker and the experiment runner alike.

#include "train/trainer.h"

#include <memory>
#include <string>

namespace grokscope {

class RunLogWriter;
struct RunLog;

class Run {
public:
    // Starts a fresh run in `directory`, which must not hold a run already.
    // An empty directory string trains without writing anything.
    static std::unique_ptr<Run> start(const TrainConfig& config, const std::string& directory);
    // Continues the run in `directory` from its latest checkpoint; its log is cut back
    // to that step so the result equals an uninterrupted run. Without a checkpoint (a
    // kill before the first) it starts again from step 0. `extraSteps` > 0 raises
    // run.steps by that much (to extend a finished run). A log that does not read back,
    // a damaged checkpoint or a diverged run is refused before anything is written.
    static std::unique_ptr<Run> resume(const std::string& directory, long extraSteps = 0);
    // Copies `source`'s config and checkpoint into a new run directory: a second arm
    // that continues from the same state ("Branch from here").
    static std::unique_ptr<Run> branch(const std::string& sourceDirectory, long checkpointStep,
                                       const std::string& directory);
    ~Run();

    Trainer& trainer() { return *m_trainer; }
    const std::string& directory() const { return m_directory; }

    // Trains up to `maxSteps`, writing checkpoints on their cadence. Returns steps run.
    long advance(long maxSteps);
    bool finished() const { return m_trainer->finished(); }
    // Writes a checkpoint now; returns its path ("" without a directory).
    std::string checkpoint();
    // Final checkpoint and a "finished" (or "stopped") event with the run's summary. If
    // the final measurement or checkpoint throws, the run is failed (below) and the
    // error rethrown.
    void close(bool stoppedByUser);
    // Ends the run after an error outside training (a full disk, an I/O error): a
    // "failed" event with the reason, without measuring or checkpointing the interrupted
    // state. The log stays readable and resumable from its last checkpoint. Returns the
    // event; it is logged if the log can take it and the run was not closed already.
    RunEvent fail(const std::string& reason);

    // The norm-matched control: switched on, it reads the reference run's ‖θ‖₂
    // trajectory from its log and has the trainer follow it; switched off, it drops it.
    // Throws RunLogError naming the reference for a log that does not read back or has
    // too few evaluations.
    void setNormMatch(const NormMatchSettings& settings);

    static std::string latestCheckpoint(const std::string& directory);

private:
    Run(std::unique_ptr<Trainer> trainer, std::string directory);
    static void requireNotDiverged(const RunLog& log);  // throws RunLogError
    static void removePartialCheckpoints(const std::string& directory);
    void pruneCheckpoints();

    std::unique_ptr<Trainer> m_trainer;
    std::unique_ptr<RunLogWriter> m_writer;
    std::string m_directory;
    long m_lastCheckpointStep = -1;
    bool m_closed = false;
};

}  // namespace grokscope
