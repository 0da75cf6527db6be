#pragma once
// The replication report's figures: PNGs in DIR/figures, drawn offscreen. Returns the
// report's "Figures" section (Markdown image links and captions); without the GUI
// libraries (GROKSCOPE_BUILD_GUI=OFF) a note that there are none.

#include "metrics/forecast.h"
#include "replicate_protocol.h"

#include <filesystem>
#include <string>
#include <vector>

namespace grokscope::cli {

std::string writeReplicationFigures(const std::filesystem::path& directory, const ProtocolExperiment* interventions,
                                    const std::vector<RunLog>& baselineLogs, const std::vector<RunLog>& mlpLogs,
                                    double threshold, const LeaveOneSeedOutResult& loso);

}  // namespace grokscope::cli
