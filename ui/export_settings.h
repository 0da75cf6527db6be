#pragma once
// How charts are exported: each chart's size (in pixels or inches), its resolution,
// the background and the default file format. One plain value, persisted under
// "export/" in QSettings; ChartExporter draws with it (chart_exporter.h) and
// ExportSettingsDialog edits it (export_settings_dialog.h).

#include <QList>
#include <QSize>
#include <QSizeF>
#include <QString>

namespace grokscope::ui {

struct ExportSettings {
    enum class SizeUnit { Pixels, Inches };

    // The resolution the charts are laid out for on screen. An export is laid out at
    // its size in inches × 96 and drawn scaled by dpi / 96, so that text set in points
    // has the same size relative to the figure in PNG, SVG and PDF, at any DPI.
    static constexpr int kLayoutDpi = 96;
    static constexpr int kMinDpi = 36, kMaxDpi = 1200;
    static constexpr int kMinPixels = 64, kMaxPixels = 20000;
    static constexpr double kMinInches = 0.5, kMaxInches = 100.0;

    SizeUnit unit = SizeUnit::Pixels;
    double width = 1200.0, height = 700.0;  // of one chart, in `unit`
    int dpi = kLayoutDpi;
    bool lightBackground = true;  // a light figure even while the dark theme is on
    QString format = QStringLiteral("png");  // what the file dialogs suggest: png, svg or pdf

    // The size of a PNG of one chart; inches × dpi, rounded.
    QSize pixelSize() const;
    QSizeF inches() const;
    // The size one chart is laid out at (see kLayoutDpi); at least 1 × 1.
    QSize layoutSize() const;
    double layoutScale() const { return double(dpi) / kLayoutDpi; }
    // The same figure in the other unit (the physical size and the DPI are kept).
    ExportSettings inUnit(SizeUnit target) const;
    // Sizes and DPI clamped to the limits above; an unknown format becomes "png".
    ExportSettings clamped() const;
    // "3.5 × 2.5 in at 300 dpi (1050 × 750 px)".
    QString describe() const;

    // From QSettings (the application's), with the defaults above where unset; clamped.
    static ExportSettings load();
    void save() const;

    bool operator==(const ExportSettings& other) const;
    bool operator!=(const ExportSettings& other) const { return !(*this == other); }
};

struct ExportPreset {
    QString name;
    ExportSettings settings;
};

// Screen, journal column (3.5 in), journal page width (7 in) and slide sizes.
QList<ExportPreset> exportPresets();

}  // namespace grokscope::ui
