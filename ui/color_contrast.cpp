#include "color_contrast.h"

#include <algorithm>
#include <cmath>

namespace grokscope::ui {

namespace {

double linearChannel(double srgb)
{
    return srgb <= 0.04045 ? srgb / 12.92 : std::pow((srgb + 0.055) / 1.055, 2.4);
}

// `color` mixed with `toward` by `share` in [0, 1], in sRGB.
QColor mixed(const QColor& color, const QColor& toward, double share)
{
    auto mix = [share](double a, double b) { return a + (b - a) * share; };
    return QColor::fromRgbF(static_cast<float>(mix(color.redF(), toward.redF())),
                            static_cast<float>(mix(color.greenF(), toward.greenF())),
                            static_cast<float>(mix(color.blueF(), toward.blueF())));
}

}  // namespace

double relativeLuminance(const QColor& color)
{
    const QColor rgb = color.toRgb();
    return 0.2126 * linearChannel(rgb.redF()) + 0.7152 * linearChannel(rgb.greenF()) +
           0.0722 * linearChannel(rgb.blueF());
}

double contrastRatio(const QColor& a, const QColor& b)
{
    const double la = relativeLuminance(a), lb = relativeLuminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

QColor readableOn(const QColor& color, const QColor& background, double minRatio)
{
    QColor opaque = color.toRgb();
    opaque.setAlpha(255);
    if (contrastRatio(opaque, background) >= minRatio)
        return opaque;
    // Towards black on a light background, towards white on a dark one: contrast grows
    // monotonically with the share, so a bisection finds the least change that is enough.
    const bool lightBackground = relativeLuminance(background) > 0.18;
    const QColor target = lightBackground ? QColor(Qt::black) : QColor(Qt::white);
    // Aims 1 % above the bound so that rounding to 8-bit channels cannot undercut it.
    const double aim = std::min(21.0, minRatio * 1.01);
    double low = 0.0, high = 1.0;
    for (int i = 0; i < 20; ++i) {
        const double mid = 0.5 * (low + high);
        (contrastRatio(mixed(opaque, target, mid), background) >= aim ? high : low) = mid;
    }
    return QColor(mixed(opaque, target, high).rgb());
}

}  // namespace grokscope::ui
