#include "export_settings.h"

#include "chart_exporter.h"

#include <QCoreApplication>
#include <QSettings>

#include <algorithm>
#include <cmath>

namespace grokscope::ui {

namespace {

QString tr(const char* text) { return QCoreApplication::translate("ExportSettings", text); }

const QString kUnitKey = QStringLiteral("export/unit");
const QString kWidthKey = QStringLiteral("export/width");
const QString kHeightKey = QStringLiteral("export/height");
const QString kDpiKey = QStringLiteral("export/dpi");
const QString kLightKey = QStringLiteral("export/lightBackground");
const QString kFormatKey = QStringLiteral("export/format");

QString unitName(ExportSettings::SizeUnit unit)
{
    return unit == ExportSettings::SizeUnit::Inches ? QStringLiteral("in") : QStringLiteral("px");
}

ExportSettings inches(double width, double height, int dpi)
{
    ExportSettings s;
    s.unit = ExportSettings::SizeUnit::Inches;
    s.width = width;
    s.height = height;
    s.dpi = dpi;
    return s;
}

ExportSettings pixels(int width, int height, int dpi)
{
    ExportSettings s;
    s.unit = ExportSettings::SizeUnit::Pixels;
    s.width = width;
    s.height = height;
    s.dpi = dpi;
    return s;
}

}  // namespace

QSize ExportSettings::pixelSize() const
{
    if (unit == SizeUnit::Pixels)
        return QSize(int(std::lround(width)), int(std::lround(height)));
    return QSize(int(std::lround(width * dpi)), int(std::lround(height * dpi)));
}

QSizeF ExportSettings::inches() const
{
    if (unit == SizeUnit::Inches)
        return QSizeF(width, height);
    return QSizeF(width / dpi, height / dpi);
}

QSize ExportSettings::layoutSize() const
{
    const QSizeF size = inches() * kLayoutDpi;
    return QSize(std::max(1, int(std::lround(size.width()))), std::max(1, int(std::lround(size.height()))));
}

ExportSettings ExportSettings::inUnit(SizeUnit target) const
{
    if (target == unit)
        return *this;
    ExportSettings converted = *this;
    converted.unit = target;
    if (target == SizeUnit::Inches) {
        converted.width = width / dpi;
        converted.height = height / dpi;
    } else {
        converted.width = std::round(width * dpi);
        converted.height = std::round(height * dpi);
    }
    return converted;
}

ExportSettings ExportSettings::clamped() const
{
    ExportSettings c = *this;
    c.dpi = std::clamp(dpi, kMinDpi, kMaxDpi);
    const bool inInches = unit == SizeUnit::Inches;
    const double low = inInches ? kMinInches : kMinPixels, high = inInches ? kMaxInches : kMaxPixels;
    auto clampSide = [&](double side) { return std::isfinite(side) ? std::clamp(side, low, high) : low; };
    c.width = clampSide(width);
    c.height = clampSide(height);
    c.format = format.toLower();
    if (!ChartExporter::formats().contains(c.format))
        c.format = QStringLiteral("png");
    return c;
}

QString ExportSettings::describe() const
{
    const QSize px = pixelSize();
    const QSizeF in = inches();
    return tr("%1 × %2 in at %3 dpi (%4 × %5 px)")
        .arg(in.width(), 0, 'g', 3)
        .arg(in.height(), 0, 'g', 3)
        .arg(dpi)
        .arg(px.width())
        .arg(px.height());
}

ExportSettings ExportSettings::load()
{
    QSettings settings;
    ExportSettings s;
    s.unit = settings.value(kUnitKey, unitName(s.unit)).toString() == unitName(SizeUnit::Inches) ? SizeUnit::Inches
                                                                                                 : SizeUnit::Pixels;
    if (s.unit == SizeUnit::Inches)  // the defaults in the unit read
        s = ExportSettings().inUnit(SizeUnit::Inches);
    s.width = settings.value(kWidthKey, s.width).toDouble();
    s.height = settings.value(kHeightKey, s.height).toDouble();
    s.dpi = settings.value(kDpiKey, s.dpi).toInt();
    s.lightBackground = settings.value(kLightKey, s.lightBackground).toBool();
    s.format = settings.value(kFormatKey, s.format).toString();
    return s.clamped();
}

void ExportSettings::save() const
{
    QSettings settings;
    settings.setValue(kUnitKey, unitName(unit));
    settings.setValue(kWidthKey, width);
    settings.setValue(kHeightKey, height);
    settings.setValue(kDpiKey, dpi);
    settings.setValue(kLightKey, lightBackground);
    settings.setValue(kFormatKey, format);
}

bool ExportSettings::operator==(const ExportSettings& o) const
{
    return unit == o.unit && width == o.width && height == o.height && dpi == o.dpi
        && lightBackground == o.lightBackground && format == o.format;
}

QList<ExportPreset> exportPresets()
{
    // The journal widths are the usual single- and double-column figure widths
    // (Nature, IEEE and APS all allow 3.5 in and about 7 in) at the 300 dpi most
    // journals ask of raster figures. The slide is 1920 × 1080 laid out at half that,
    // so its text reads from the back of a room.
    return {
        {tr("Screen (1200 × 700 px)"), ExportSettings()},
        {tr("Journal column (3.5 in)"), inches(3.5, 2.5, 300)},
        {tr("Journal page width (7 in)"), inches(7.0, 3.5, 300)},
        {tr("Slide (1920 × 1080 px, large text)"), pixels(1920, 1080, 192)},
    };
}

}  // namespace grokscope::ui
