#pragma once
// Light and dark palettes (Fusion style) that keep charts and tables readable, with
// disabled colours of their own so that controls locked during a run look locked.

#include <QPalette>

namespace grokscope::ui {

enum class Theme { Light, Dark };

QPalette paletteFor(Theme theme);
// Sets the Fusion style and the palette on the application.
void applyTheme(Theme theme);

}  // namespace grokscope::ui
