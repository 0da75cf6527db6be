#include "spectrum_panel.h"

#include "chart_toolbar.h"

#include "qcustomplot_include.h"

#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace grokscope::ui {

namespace {

constexpr int kMaxColumns = 600;
constexpr double kFloorLog10 = -8.0;  // normalised eigenvalues below 1e-8 share one colour

const QColor kArmColours[] = {QColor(31, 119, 180), QColor(214, 39, 40), QColor(44, 160, 44)};

}  // namespace

SpectrumPanel::SpectrumPanel(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("spectrum"));
    m_plot = new QCustomPlot(this);
    m_plot->setMinimumHeight(180);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->plotLayout()->clear();
    m_plot->plotLayout()->addElement(0, 0, new QCPTextElement(m_plot, title(), QFont(font().family(), 10, QFont::Bold)));
    auto* row = new QCPLayoutGrid;
    m_plot->plotLayout()->addElement(1, 0, row);
    m_currentRect = new QCPAxisRect(m_plot);
    m_mapRect = new QCPAxisRect(m_plot);
    m_scale = new QCPColorScale(m_plot);
    row->addElement(0, 0, m_currentRect);
    row->addElement(0, 1, m_mapRect);
    row->addElement(0, 2, m_scale);
    row->setColumnStretchFactors({1.0, 2.2, 0.05});

    QCPAxis* indexAxis = m_currentRect->axis(QCPAxis::atBottom);
    QCPAxis* eigenAxis = m_currentRect->axis(QCPAxis::atLeft);
    indexAxis->setLabel(tr("eigenvalue index k"));
    eigenAxis->setLabel(tr("λk / Σλ"));
    eigenAxis->setScaleType(QCPAxis::stLogarithmic);
    eigenAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    eigenAxis->setNumberFormat(QStringLiteral("eb"));
    eigenAxis->setNumberPrecision(0);
    eigenAxis->setRange(1e-6, 1.0);
    indexAxis->setRange(0, 129);
    m_currentRect->setRangeDrag(Qt::Horizontal | Qt::Vertical);
    m_currentRect->setRangeZoom(Qt::Horizontal | Qt::Vertical);
    auto* legend = new QCPLegend;
    m_currentRect->insetLayout()->addElement(legend, Qt::AlignTop | Qt::AlignRight);
    legend->setLayer(QStringLiteral("legend"));
    legend->setFont(QFont(font().family(), 8));
    legend->setIconSize(18, 8);
    m_plot->legend = legend;
    m_initialGraph = m_plot->addGraph(indexAxis, eigenAxis);
    m_initialGraph->setName(tr("initial"));
    m_initialGraph->setPen(QPen(QColor(140, 140, 140), 1.2, Qt::DashLine));

    QCPAxis* stepAxis = m_mapRect->axis(QCPAxis::atBottom);
    QCPAxis* kAxis = m_mapRect->axis(QCPAxis::atLeft);
    stepAxis->setLabel(tr("step"));
    kAxis->setLabel(tr("k"));
    m_mapRect->setRangeDrag(Qt::Horizontal);
    m_mapRect->setRangeZoom(Qt::Horizontal);
    m_map = new QCPColorMap(stepAxis, kAxis);
    m_map->setInterpolate(false);
    m_map->setColorScale(m_scale);
    m_scale->setType(QCPAxis::atRight);
    m_scale->axis()->setLabel(tr("log10 λk/Σλ"));
    m_scale->setBarWidth(10);
    m_map->setGradient(QCPColorGradient::gpThermal);
    m_map->setDataRange(QCPRange(kFloorLog10, 0.0));
    auto* margins = new QCPMarginGroup(m_plot);
    m_currentRect->setMarginGroup(QCP::msTop | QCP::msBottom, margins);
    m_mapRect->setMarginGroup(QCP::msTop | QCP::msBottom, margins);
    m_scale->setMarginGroup(QCP::msTop | QCP::msBottom, margins);

    m_toolbar = new ChartToolbar(ChartToolbar::Smoothing::NotOffered, this);
    // Only the step axis follows the line charts; the eigenvalue axes move freely.
    m_toolbar->watchStepAxis(stepAxis, m_plot);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_toolbar);
    layout->addWidget(m_plot, 1);

    connect(m_toolbar, &ChartToolbar::stepAxisLogToggled, this, [this](bool on) {
        setStepAxisLog(on);
        Q_EMIT stepAxisLogToggled(on);
    });
    connect(m_toolbar, &ChartToolbar::followToggled, this, [this](bool on) {
        Q_EMIT autoRangeToggled(on);
        markDirty();
    });
    connect(m_toolbar, &ChartToolbar::stepRangeChangedByUser, this, &SpectrumPanel::stepRangeChangedByUser);
    connect(m_toolbar, &ChartToolbar::exportRequested, this, &SpectrumPanel::exportRequested);
}

QString SpectrumPanel::title() const { return tr("Eigenvalue spectrum of the representation covariance"); }

QCPGraph* SpectrumPanel::armGraph(int arm)
{
    while (m_armGraphs.size() <= arm) {
        const int index = m_armGraphs.size();
        QCPGraph* graph = m_plot->addGraph(m_currentRect->axis(QCPAxis::atBottom), m_currentRect->axis(QCPAxis::atLeft));
        graph->setPen(QPen(kArmColours[index % 3], 1.8, index == 0 ? Qt::SolidLine : Qt::DashLine));
        graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 3));
        m_armGraphs.append(graph);
    }
    return m_armGraphs[arm];
}

void SpectrumPanel::appendSpectrum(int arm, long step, const QVector<double>& eigenvalues)
{
    double sum = 0.0;
    for (double v : eigenvalues)
        sum += std::max(0.0, v);
    if (sum <= 0.0 || eigenvalues.isEmpty())
        return;
    QVector<double> normalised(eigenvalues.size()), index(eigenvalues.size());
    for (int k = 0; k < eigenvalues.size(); ++k) {
        normalised[k] = std::max(eigenvalues[k], 0.0) / sum;
        index[k] = k + 1;
    }
    QVector<double> shown = normalised;
    for (double& v : shown)
        v = std::max(v, 1e-12);  // a log axis cannot show zero
    QCPGraph* graph = armGraph(arm);
    graph->setData(index, shown, true);
    graph->setName(arm == 0 ? tr("step %1").arg(step) : tr("arm %1, step %2").arg(arm + 1).arg(step));
    if (arm == 0) {
        if (m_steps.isEmpty())
            m_initialGraph->setData(index, shown, true);
        if (!m_steps.isEmpty() && step <= m_steps.back())
            return;
        m_steps.append(static_cast<double>(step));
        m_spectra.append(normalised);
    }
    markDirty();
}

void SpectrumPanel::clear()
{
    m_steps.clear();
    m_spectra.clear();
    m_initialGraph->data()->clear();
    for (QCPGraph* g : m_armGraphs)
        m_plot->removeGraph(g);
    m_armGraphs.clear();
    m_map->data()->clear();
    markDirty();
}

void SpectrumPanel::setStepAxisLog(bool logarithmic)
{
    m_toolbar->setStepAxisLog(logarithmic);
    setAutoRange(true);
}

bool SpectrumPanel::stepAxisLog() const { return m_toolbar->stepAxisLog(); }

void SpectrumPanel::setStepRange(double lower, double upper)
{
    {
        ChartToolbar::ProgrammaticRange own(*m_toolbar);
        m_mapRect->axis(QCPAxis::atBottom)->setRange(lower, upper);
    }
    m_toolbar->setFollow(false);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void SpectrumPanel::setAutoRange(bool follow)
{
    m_toolbar->setFollow(follow);
    markDirty();
}

bool SpectrumPanel::autoRange() const { return m_toolbar->follow(); }

void SpectrumPanel::applyPalette(const QPalette& palette)
{
    const QColor background = palette.color(QPalette::Base);
    const QColor text = palette.color(QPalette::Text);
    const QColor grid = background.lightness() > 128 ? QColor(220, 220, 220) : QColor(70, 70, 70);
    m_plot->setBackground(background);
    m_plot->setProperty("grokscopeBackground", background);
    QList<QCPAxis*> axes = m_currentRect->axes() + m_mapRect->axes();
    axes << m_scale->axis();
    for (QCPAxis* axis : axes) {
        axis->setBasePen(QPen(text));
        axis->setTickPen(QPen(text));
        axis->setSubTickPen(QPen(text));
        axis->setTickLabelColor(text);
        axis->setLabelColor(text);
        axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
        axis->grid()->setSubGridPen(Qt::NoPen);
    }
    m_plot->legend->setTextColor(text);
    QColor legendBrush = background;
    legendBrush.setAlpha(210);
    m_plot->legend->setBrush(legendBrush);
    if (auto* title = qobject_cast<QCPTextElement*>(m_plot->plotLayout()->element(0, 0)))
        title->setTextColor(text);
    markDirty();
}

void SpectrumPanel::markDirty()
{
    if (m_dirty)
        return;
    m_dirty = true;
    Q_EMIT dirtied();
}

double SpectrumPanel::firstShownStep() const
{
    // A log axis starts at the first positive step, like the line charts.
    if (!stepAxisLog())
        return m_steps.front();
    for (double step : m_steps)
        if (step > 0.0)
            return step;
    return 1.0;
}

void SpectrumPanel::rebuildSpectrogram()
{
    const int count = m_steps.size();
    if (count == 0)
        return;
    const int d = m_spectra.front().size();
    const double first = firstShownStep();
    const double last = std::max(first + 1.0, m_steps.back());
    const int columns = std::clamp(count, 2, kMaxColumns);
    const bool stepLog = stepAxisLog();
    // Columns are evenly spaced in the axis' own scale, so a log step axis gets a
    // correctly warped image; each column shows the latest spectrum at or before it.
    auto columnStep = [&](int c) {
        const double t = columns > 1 ? double(c) / (columns - 1) : 0.0;
        return stepLog ? first * std::pow(last / first, t) : first + (last - first) * t;
    };
    QCPColorMapData* data = m_map->data();
    data->setSize(columns, d);
    data->setRange(QCPRange(first, last), QCPRange(1, d));
    int source = 0;
    double lowest = 0.0, highest = kFloorLog10;
    for (int c = 0; c < columns; ++c) {
        const double s = columnStep(c);
        while (source + 1 < count && m_steps[source + 1] <= s + 1e-9)
            ++source;
        const QVector<double>& spectrum = m_spectra[source];
        for (int k = 0; k < d && k < spectrum.size(); ++k) {
            const double value = std::max(kFloorLog10, std::log10(std::max(spectrum[k], 1e-300)));
            data->setCell(c, k, value);
            lowest = std::min(lowest, value);
            highest = std::max(highest, value);
        }
    }
    // The colour scale spans the data (down to the floor), so small runs keep contrast.
    m_map->setDataRange(QCPRange(lowest, std::max(highest, lowest + 0.5)));
}

void SpectrumPanel::refresh()
{
    if (!m_dirty)
        return;
    m_dirty = false;
    rebuildSpectrogram();
    if (!m_spectra.isEmpty()) {
        ChartToolbar::ProgrammaticRange own(*m_toolbar);
        const int d = m_spectra.front().size();
        m_mapRect->axis(QCPAxis::atLeft)->setRange(0.5, d + 0.5);
        if (autoRange()) {
            m_currentRect->axis(QCPAxis::atBottom)->setRange(0, d + 1);
            double low = 1.0;
            for (QCPGraph* g : m_armGraphs)
                for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
                    low = std::min(low, it->value);
            m_currentRect->axis(QCPAxis::atLeft)->setRange(std::max(1e-12, low / 3.0), 1.5);
            const double first = firstShownStep();
            const double last = std::max(first + 1.0, m_steps.back());
            // The same right-hand padding as the line charts, so the step axes line up.
            const double upper = stepAxisLog() ? last * std::pow(last / first, 0.01) : last + (last - first) * 0.01;
            m_mapRect->axis(QCPAxis::atBottom)->setRange(first, upper);
        }
    }
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace grokscope::ui
