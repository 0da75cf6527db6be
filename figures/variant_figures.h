#pragma once
// The variant suite's figure (grokscope-cli replicate --suite variants): each reading's
// paired ΔT_grok per seed against its baseline, drawn offscreen into DIR/figures.
// Pass it to report::writeVariantReport. Needs a QApplication (app/offscreen_application.h).

#include "variant_report.h"

#include <string>

namespace grokscope::figures {

std::string writeVariantFigure(const report::VariantFigureInputs& inputs);

}  // namespace grokscope::figures
