#pragma once
// QCustomPlot 2.1's header uses Qt's `signals`, `slots`, `emit` and `foreach`
// keywords, which QT_NO_KEYWORDS removes. Define them only around its include so
// our own code still compiles without the keywords.

#define signals Q_SIGNALS
#define slots Q_SLOTS
#define emit Q_EMIT
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef signals
#undef slots
#undef emit
#undef foreach
