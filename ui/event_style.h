#pragma once
// How a run event looks on the charts and in the event list.

#include "metrics/eval_snapshot.h"

#include <QColor>
#include <QString>

namespace grokscope::ui {

struct EventStyle {
    bool marker = false;  // drawn as a vertical line on the charts
    QString label;        // short marker label
    QColor colour;
};

EventStyle eventStyle(const grokscope::RunEvent& event);

}  // namespace grokscope::ui
