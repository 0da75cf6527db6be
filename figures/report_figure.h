#pragma once
// Static figures for reports (grokscope-cli replicate): a plot described as plain
// data, rendered offscreen to PNG by QCustomPlot. No window is ever shown. The
// library only draws: the executable owns the QApplication that QCustomPlot needs
// (grokscope-cli starts one on the "offscreen" platform, app/offscreen_application.h).

#include <QColor>
#include <QSize>
#include <QString>
#include <QStringList>
#include <QVector>

#include <filesystem>
#include <optional>
#include <string>

namespace grokscope::figures {

struct FigureSeries {
    QString name;  // legend entry; empty = not in the legend
    QVector<double> x, y;
    QColor colour;
    bool points = false;      // scatter markers instead of a line
    bool parametric = false;  // a curve drawn in data order (x need not increase), e.g. (H̃, A) over time
    Qt::PenStyle style = Qt::SolidLine;
};

struct FigureSpec {
    QString title, xLabel, yLabel;
    QVector<FigureSeries> series;
    std::optional<double> horizontalLine;  // e.g. H̃*, dashed, labelled
    QString horizontalLineLabel;
    bool logY = false;
    std::optional<double> yMin, yMax;
    QStringList categories;  // when set, x = 0, 1, … are labelled with these
};

// Colour k of a qualitative palette that stays apart on white.
QColor figureColour(int k);

// Writes `spec` as a PNG to `path`; returns "" on success, else a message.
// A QApplication must exist.
QString renderFigure(const FigureSpec& spec, const QString& path, QSize size = QSize(1100, 650));

// Writes a report's figures into DIR/figures (created); each add() returns the
// Markdown image link and caption, or a note where the figure could not be written.
class FigureWriter {
public:
    explicit FigureWriter(const std::filesystem::path& reportDirectory);
    std::string add(const std::string& file, const FigureSpec& spec, const std::string& caption);

private:
    std::filesystem::path m_directory;
};

}  // namespace grokscope::figures
