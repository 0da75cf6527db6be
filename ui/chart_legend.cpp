#include "chart_legend.h"

#include "chart_series.h"

#include "qcustomplot_include.h"

#include <algorithm>

namespace grokscope::ui {

namespace {

constexpr int kLegendRow = 2;  // under the title (0) and the axes (1)

int wrappedWidth(const std::vector<int>& widths, int columns, int spacingPx)
{
    std::vector<int> columnWidths(static_cast<size_t>(columns), 0);
    for (size_t i = 0; i < widths.size(); ++i)
        columnWidths[i % static_cast<size_t>(columns)] = std::max(columnWidths[i % static_cast<size_t>(columns)], widths[i]);
    int total = spacingPx * (columns - 1);
    for (int w : columnWidths)
        total += w;
    return total;
}

}  // namespace

int legendColumns(const std::vector<int>& itemWidthsPx, int spacingPx, int availablePx)
{
    for (int columns = static_cast<int>(itemWidthsPx.size()); columns > 1; --columns)
        if (wrappedWidth(itemWidthsPx, columns, spacingPx) <= availablePx)
            return columns;
    return 1;
}

void ChartLegend::relayout(QCustomPlot* plot)
{
    // What QCustomPlot::updateLayout (protected) does before every replot.
    QCPLayoutGrid* layout = plot->plotLayout();
    layout->setOuterRect(plot->viewport());
    layout->update(QCPLayoutElement::upPreparation);
    layout->update(QCPLayoutElement::upMargins);
    layout->update(QCPLayoutElement::upLayout);
}

LegendPlace ChartLegend::place(const QCustomPlot* plot)
{
    return plot->legend->layout() == plot->plotLayout() ? LegendPlace::Below : LegendPlace::Inside;
}

LegendFit ChartLegend::layout(QCustomPlot* plot, ChartSeriesSet& series, int reservedLeftPx)
{
    QCPLegend* legend = plot->legend;
    relayout(plot);
    const QMargins margins = legend->margins();
    const int axisWidth = plot->axisRect()->width();
    const int insideAvailable = axisWidth - 8 - margins.left() - margins.right() - reservedLeftPx;
    const int belowAvailable = plot->viewport().width() - 8 - margins.left() - margins.right();
    // The pixels an entry takes besides its name: icon, padding and a little slack.
    const int entryExtra = legend->iconSize().width() + legend->iconTextPadding() + 12;
    series.setLegendNameWidth(std::clamp(axisWidth - 8 - margins.left() - margins.right() - entryExtra, kMinNameWidthPx,
                                         kMaxNameWidthPx),
                              legend->font());

    std::vector<int> widths;
    int itemHeight = 0;
    auto measure = [&] {
        widths.clear();
        // In item order: row by row. A wrapped grid counts its empty cells as items too.
        for (int i = 0; i < legend->itemCount(); ++i) {
            const QCPAbstractLegendItem* item = legend->item(i);
            if (!item)
                continue;
            const QSize hint = item->minimumOuterSizeHint();
            widths.push_back(hint.width());
            itemHeight = std::max(itemHeight, hint.height());
        }
    };
    auto rowsOf = [&](int columns) { return (static_cast<int>(widths.size()) + columns - 1) / columns; };
    auto heightOf = [&](int rows) { return rows * itemHeight + (rows - 1) * legend->rowSpacing() + margins.top() + margins.bottom(); };
    measure();
    LegendFit fit;
    if (!widths.empty()) {
        fit.columns = legendColumns(widths, legend->columnSpacing(), insideAvailable);
        const bool entryTooWide = *std::max_element(widths.begin(), widths.end()) > insideAvailable;
        if (entryTooWide || heightOf(rowsOf(fit.columns)) > kMaxInsideShare * plot->axisRect()->height()) {
            fit.place = LegendPlace::Below;
            fit.columns = legendColumns(widths, legend->columnSpacing(), belowAvailable);
            // Under the plot it may take kMaxBelowShare of the chart's height: more rows
            // than that are folded into more, narrower columns of shorter names.
            const int maxRows = std::max(1, static_cast<int>((kMaxBelowShare * plot->viewport().height() -
                                                              margins.top() - margins.bottom()) /
                                                             (itemHeight + legend->rowSpacing())));
            if (rowsOf(fit.columns) > maxRows) {
                // The longest names that still fit in maxRows, found by bisection.
                auto rowsAt = [&](int nameWidth) {
                    series.setLegendNameWidth(nameWidth, legend->font());
                    measure();
                    return rowsOf(legendColumns(widths, legend->columnSpacing(), belowAvailable));
                };
                int fits = kMinNameWidthPx, tooLong = kMaxNameWidthPx + 1;
                while (tooLong - fits > 4) {
                    const int mid = (fits + tooLong) / 2;
                    (rowsAt(mid) <= maxRows ? fits : tooLong) = mid;
                }
                rowsAt(fits);
                fit.columns = legendColumns(widths, legend->columnSpacing(), belowAvailable);
            }
        }
    }

    if (fit.place != place(plot)) {
        if (fit.place == LegendPlace::Below) {
            plot->axisRect()->insetLayout()->take(legend);
            plot->plotLayout()->addElement(kLegendRow, 0, legend);
            // As tall as its entries: the axes keep every other pixel.
            plot->plotLayout()->setRowStretchFactor(kLegendRow, 0.001);
        } else {
            plot->plotLayout()->take(legend);
            plot->plotLayout()->simplify();
            plot->axisRect()->insetLayout()->addElement(legend, Qt::AlignTop | Qt::AlignRight);
        }
    }
    if (legend->wrap() != fit.columns) {
        legend->setWrap(fit.columns);
        legend->setFillOrder(QCPLegend::foColumnsFirst, true);
    }
    relayout(plot);
    return fit;
}

}  // namespace grokscope::ui
