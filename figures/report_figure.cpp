// QCustomPlot 2.1's header uses Qt's `signals`, `slots`, `emit` and `foreach`
// keywords, which QT_NO_KEYWORDS (set on every Qt target here) removes. This file
// includes nothing but Qt and QCustomPlot, so the keywords are allowed back in it
// alone (the GUI wraps the include instead: ui/qcustomplot_include.h).
#undef QT_NO_KEYWORDS

#include "report_figure.h"

#include <qcustomplot.h>

namespace grokscope::figures {

QColor figureColour(int k)
{
    static const QColor palette[] = {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44),
                                     QColor(214, 39, 40),  QColor(148, 103, 189), QColor(140, 86, 75),
                                     QColor(227, 119, 194), QColor(127, 127, 127), QColor(188, 189, 34),
                                     QColor(23, 190, 207)};
    return palette[((k % 10) + 10) % 10];
}

QString renderFigure(const FigureSpec& spec, const QString& path, QSize size)
{
    QCustomPlot plot;
    plot.resize(size);
    plot.setBackground(Qt::white);
    plot.plotLayout()->insertRow(0);
    auto* title = new QCPTextElement(&plot, spec.title, QFont(QStringLiteral("Sans"), 12, QFont::Bold));
    plot.plotLayout()->addElement(0, 0, title);
    plot.xAxis->setLabel(spec.xLabel);
    plot.yAxis->setLabel(spec.yLabel);
    if (spec.logY) {
        plot.yAxis->setScaleType(QCPAxis::stLogarithmic);
        plot.yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    }
    if (!spec.categories.isEmpty()) {
        QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
        for (int i = 0; i < spec.categories.size(); ++i)
            ticker->addTick(i, spec.categories[i]);
        plot.xAxis->setTicker(ticker);
    }
    bool anyLegend = false;
    for (const FigureSeries& s : spec.series) {
        if (s.parametric) {
            auto* curve = new QCPCurve(plot.xAxis, plot.yAxis);
            curve->setData(s.x, s.y);
            curve->setName(s.name);
            curve->setPen(QPen(s.colour, 1.4, s.style));
            if (s.name.isEmpty())
                curve->removeFromLegend();
            else
                anyLegend = true;
            continue;
        }
        QCPGraph* graph = plot.addGraph();  // sorted by x: for series over steps
        graph->setData(s.x, s.y);
        graph->setName(s.name);
        if (s.points) {
            graph->setLineStyle(QCPGraph::lsNone);
            graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, s.colour, s.colour, 7));
        } else {
            graph->setPen(QPen(s.colour, 1.6, s.style));
        }
        if (s.name.isEmpty())
            graph->removeFromLegend();
        else
            anyLegend = true;
    }
    plot.rescaleAxes();
    if (!spec.categories.isEmpty())
        plot.xAxis->setRange(-0.6, spec.categories.size() - 0.4);
    else
        plot.xAxis->scaleRange(1.04, plot.xAxis->range().center());
    if (spec.horizontalLine) {
        auto* line = new QCPItemStraightLine(&plot);
        line->point1->setCoords(0, *spec.horizontalLine);
        line->point2->setCoords(1, *spec.horizontalLine);
        line->setPen(QPen(QColor(90, 90, 90), 1.2, Qt::DashLine));
        auto* label = new QCPItemText(&plot);
        label->position->setTypeX(QCPItemPosition::ptAxisRectRatio);
        label->position->setTypeY(QCPItemPosition::ptPlotCoords);
        label->position->setCoords(0.99, *spec.horizontalLine);
        label->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
        label->setText(spec.horizontalLineLabel);
        label->setColor(QColor(90, 90, 90));
        const QCPRange y = plot.yAxis->range();
        plot.yAxis->setRange(std::min(y.lower, *spec.horizontalLine), std::max(y.upper, *spec.horizontalLine));
    }
    if (!spec.logY)
        plot.yAxis->scaleRange(1.08, plot.yAxis->range().center());
    if (spec.yMin || spec.yMax)
        plot.yAxis->setRange(spec.yMin.value_or(plot.yAxis->range().lower), spec.yMax.value_or(plot.yAxis->range().upper));
    plot.legend->setVisible(anyLegend);
    plot.legend->setFont(QFont(QStringLiteral("Sans"), 8));
    plot.legend->setBrush(QColor(255, 255, 255, 220));
    if (!plot.savePng(path, size.width(), size.height()))
        return QStringLiteral("cannot write %1").arg(path);
    return QString();
}

FigureWriter::FigureWriter(const std::filesystem::path& reportDirectory) : m_directory(reportDirectory / "figures")
{
    std::filesystem::create_directories(m_directory);
}

std::string FigureWriter::add(const std::string& file, const FigureSpec& spec, const std::string& caption)
{
    // The figure replaces whatever has its name; a link there would be written through.
    std::error_code ignored;
    if (std::filesystem::is_symlink(std::filesystem::symlink_status(m_directory / file, ignored)))
        std::filesystem::remove(m_directory / file, ignored);
    const QString error = renderFigure(spec, QString::fromStdString((m_directory / file).string()));
    if (!error.isEmpty())
        return "*(figure " + file + " could not be written: " + error.toStdString() + ")*\n\n";
    return "![" + caption + "](figures/" + file + ")\n\n*" + caption + "*\n\n";
}

}  // namespace grokscope::figures
