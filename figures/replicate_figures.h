#pragma once
// The replication report's figures: PNGs in DIR/figures, drawn offscreen with
// QCustomPlot. Returns the report's "Figures" section (Markdown image links and
// captions). Pass it to report::writeReplicationReport as its FigureSectionWriter.
// Needs a QApplication: the executable creates it (app/offscreen_application.h).

#include "replicate_report.h"

#include <string>

namespace grokscope::figures {

std::string writeReplicationFigures(const report::FigureInputs& inputs);

}  // namespace grokscope::figures
