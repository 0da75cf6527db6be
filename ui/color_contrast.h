#pragma once
// Text contrast after WCAG 2.1 (https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio): the
// chart overlays keep their hue (red H̃*, green T_grok) but are shifted in lightness
// until they read at least 4.5:1 ("AA" for normal text) on the plot background.

#include <QColor>

namespace grokscope::ui {

constexpr double kMinTextContrast = 4.5;

// WCAG relative luminance of an opaque sRGB colour, 0 (black) to 1 (white).
double relativeLuminance(const QColor& color);
// (L_lighter + 0.05) / (L_darker + 0.05): 1 for equal colours, 21 for black on white.
double contrastRatio(const QColor& a, const QColor& b);
// `color` itself when it reaches `minRatio` on `background`; otherwise the same hue
// made darker (light backgrounds) or lighter (dark ones) just enough to reach it.
QColor readableOn(const QColor& color, const QColor& background, double minRatio = kMinTextContrast);

}  // namespace grokscope::ui
