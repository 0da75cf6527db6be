#pragma once
// Appends a run's metrics, spectra, norms and events to its directory, flushing
// every row. Throws RunLogError naming the file when a write fails, or when an existing
// file's header is not the layout this run writes.

#include "io/run_log.h"
#include "metrics/run_observer.h"

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace grokscope {

class RunLogWriter final : public RunObserver {
public:
    // Creates the files (with headers) or appends to existing ones.
    RunLogWriter(const std::string& directory, const std::vector<std::string>& parameterNames);

    void onEvaluation(const EvalSnapshot& snapshot) override;
    void onSpectrum(const SpectrumSnapshot& spectrum) override;
    void onParameterNorms(const ParameterNorms& norms) override;
    void onEvent(const RunEvent& event) override;
    void onRepresentations(const RepresentationSample& sample) override;

    static void writeConfig(const std::string& directory, const TrainConfig& config);
    // Drops rows and events after `step` (a resume from a checkpoint at `step`).
    static void truncateAfter(const std::string& directory, long step);

private:
    void appendLine(std::ofstream& stream, const std::string& file, const std::string& line);

    std::string m_directory;
    std::ofstream m_metrics, m_spectra, m_norms, m_events;
    size_t m_parameterCount;
    size_t m_metricsColumns = SIZE_MAX;  // fewer when appending to an older layout
    bool m_spectraHeaderWritten = false;
    bool m_spectraHeaderChecked = false;  // an existing header is compared once, at the first row
};

}  // namespace grokscope
