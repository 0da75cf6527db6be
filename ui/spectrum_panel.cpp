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

}  // namespace

SpectrumPanel::SpectrumPanel(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("spectrum"));
    m_plot = new QCustomPlot(this);
    m_plot->setMinimumHeight(180);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->plotLayout()->clear();
    m_plot->plotLayout()->addElement(0, 0, new QCPTextElement(m_plot, title(), QFont(font().family(), 10, QFont::Bold)));
    // Two equal columns spaced like the board's grid (chart_board.cpp), so that each
    // half lies under a column of charts; the colour scale sits above the spectrogram
    // and takes none of its width.
    auto* row = new QCPLayoutGrid;
    row->setColumnSpacing(4);
    m_plot->plotLayout()->addElement(1, 0, row);
    m_currentRect = new QCPAxisRect(m_plot);
    m_mapRect = new QCPAxisRect(m_plot);
    m_scale = new QCPColorScale(m_plot);
    m_mapTitle = new QCPTextElement(m_plot, QString(), QFont(font().family(), 8));
    auto* right = new QCPLayoutGrid;
    right->setRowSpacing(0);
    row->addElement(0, 0, m_currentRect);
    row->addElement(0, 1, right);
    row->setColumnStretchFactors({1.0, 1.0});
    auto* heading = new QCPLayoutGrid;
    heading->addElement(0, 0, m_mapTitle);
    heading->addElement(0, 1, m_scale);
    heading->setColumnStretchFactors({1.0, 1.0});
    right->addElement(0, 0, heading);
    right->addElement(1, 0, m_mapRect);
    right->setRowStretchFactors({0.001, 1.0});
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
    m_scale->setType(QCPAxis::atTop);
    m_scale->axis()->setLabel(tr("log10 λk/Σλ"));
    m_scale->setBarWidth(7);
    m_map->setGradient(QCPColorGradient::gpThermal);
    m_map->setDataRange(QCPRange(kFloorLog10, 0.0));
    auto* margins = new QCPMarginGroup(m_plot);
    m_currentRect->setMarginGroup(QCP::msBottom, margins);
    m_mapRect->setMarginGroup(QCP::msBottom, margins);

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
    chooseSpectrogramRun();  // says there is none yet
}

QString SpectrumPanel::title() const { return tr("Eigenvalue spectrum of the representation covariance"); }

void SpectrumPanel::appendSpectrum(int run, const QString& name, const QColor& colour, long step,
                                   const QVector<double>& eigenvalues)
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
    RunSpectra& spectra = m_runs[run];
    spectra.name = name;
    spectra.colour = colour;
    if (!spectra.latest) {
        spectra.latest = m_plot->addGraph(m_currentRect->axis(QCPAxis::atBottom), m_currentRect->axis(QCPAxis::atLeft));
        spectra.latest->setPen(QPen(colour, 1.8));
        spectra.latest->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 3));
        spectra.latest->setVisible(spectra.shown);
    }
    spectra.latest->setData(index, shown, true);
    spectra.latest->setName(tr("%1, step %2").arg(name).arg(step));
    if (!spectra.steps.isEmpty() && step <= spectra.steps.back())
        return markDirty();
    if (spectra.steps.isEmpty() && m_initialGraph->data()->isEmpty())
        m_initialGraph->setData(index, shown, true);
    spectra.steps.append(static_cast<double>(step));
    spectra.spectra.append(normalised);
    if (m_spectrogramRun < 0)
        chooseSpectrogramRun();
    markDirty();
}

void SpectrumPanel::addMarker(int run, double step, const QColor& colour)
{
    if (!m_runs.contains(run))
        m_runs[run].shown = true;
    m_runs[run].markers.append({step, colour});
    if (run == m_spectrogramRun)
        rebuildMarkers();
}

void SpectrumPanel::setRunShown(int run, bool shown, const QString& name)
{
    if (!m_runs.contains(run))
        return;
    RunSpectra& spectra = m_runs[run];
    spectra.shown = shown;
    spectra.name = name;
    if (spectra.latest) {
        spectra.latest->setVisible(shown);
        spectra.latest->addToLegend();
        if (!shown)
            spectra.latest->removeFromLegend();
    }
    chooseSpectrogramRun();
    markDirty();
}

void SpectrumPanel::removeRun(int run)
{
    if (!m_runs.contains(run))
        return;
    if (QCPGraph* graph = m_runs[run].latest)
        m_plot->removeGraph(graph);
    m_runs.remove(run);
    if (m_runs.isEmpty())
        m_initialGraph->data()->clear();
    chooseSpectrogramRun();
    markDirty();
}

void SpectrumPanel::clear()
{
    for (const RunSpectra& spectra : std::as_const(m_runs))
        if (spectra.latest)
            m_plot->removeGraph(spectra.latest);
    m_runs.clear();
    m_initialGraph->data()->clear();
    chooseSpectrogramRun();
    markDirty();
}

int SpectrumPanel::spectrumCount() const
{
    return m_runs.contains(m_spectrogramRun) ? m_runs[m_spectrogramRun].steps.size() : 0;
}

QString SpectrumPanel::spectrogramTitle() const { return m_mapTitle->text(); }

void SpectrumPanel::chooseSpectrogramRun()
{
    int chosen = -1;
    for (auto it = m_runs.constBegin(); it != m_runs.constEnd(); ++it)
        if (it->shown && it->steps.size() >= 2) {
            chosen = it.key();
            break;
        }
    m_spectrogramRun = chosen;
    m_mapTitle->setText(chosen < 0 ? tr("spectrogram: no run with two spectra shown")
                                   : tr("spectrogram of %1").arg(m_runs[chosen].name));
    if (chosen < 0)
        m_map->data()->clear();
    rebuildMarkers();
    markDirty();
}

void SpectrumPanel::rebuildMarkers()
{
    for (QCPItemStraightLine* line : m_markerLines)
        m_plot->removeItem(line);
    m_markerLines.clear();
    if (!m_runs.contains(m_spectrogramRun))
        return;
    for (const auto& [step, colour] : m_runs[m_spectrogramRun].markers) {
        auto* line = new QCPItemStraightLine(m_plot);
        line->setClipAxisRect(m_mapRect);
        line->point1->setAxes(m_mapRect->axis(QCPAxis::atBottom), m_mapRect->axis(QCPAxis::atLeft));
        line->point2->setAxes(m_mapRect->axis(QCPAxis::atBottom), m_mapRect->axis(QCPAxis::atLeft));
        line->point1->setCoords(step, 0.0);
        line->point2->setCoords(step, 1.0);
        // White with the event's colour dashed over it would need two items; a light
        // tint of the colour reads on the thermal map's dark and bright ends alike.
        line->setPen(QPen(colour.lighter(140), 1.4, Qt::DashLine));
        m_markerLines.push_back(line);
    }
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

void SpectrumPanel::followStepRange(double lower, double upper)
{
    m_followedRange = true;
    if (!autoRange())
        return;
    ChartToolbar::ProgrammaticRange own(*m_toolbar);
    QCPAxis* axis = m_mapRect->axis(QCPAxis::atBottom);
    if (axis->range().lower != lower || axis->range().upper != upper) {
        axis->setRange(lower, upper);
        m_plot->replot(QCustomPlot::rpQueuedReplot);
    }
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
    const QVector<double>& steps = m_runs[m_spectrogramRun].steps;
    // A log axis starts at the first positive step, like the line charts.
    if (!stepAxisLog())
        return steps.front();
    for (double step : steps)
        if (step > 0.0)
            return step;
    return 1.0;
}

void SpectrumPanel::rebuildSpectrogram()
{
    if (!m_runs.contains(m_spectrogramRun))
        return;
    const QVector<double>& steps = m_runs[m_spectrogramRun].steps;
    const QVector<QVector<double>>& spectra = m_runs[m_spectrogramRun].spectra;
    const int count = steps.size();
    if (count == 0)
        return;
    const int d = spectra.front().size();
    const double first = firstShownStep();
    const double last = std::max(first + 1.0, steps.back());
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
        while (source + 1 < count && steps[source + 1] <= s + 1e-9)
            ++source;
        const QVector<double>& spectrum = spectra[source];
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
    int d = 0;
    double low = 1.0;
    for (const RunSpectra& spectra : std::as_const(m_runs)) {
        if (!spectra.latest || !spectra.shown)
            continue;
        d = std::max(d, static_cast<int>(spectra.latest->data()->size()));
        for (auto it = spectra.latest->data()->constBegin(); it != spectra.latest->data()->constEnd(); ++it)
            low = std::min(low, it->value);
    }
    if (d > 0 && autoRange()) {
        ChartToolbar::ProgrammaticRange own(*m_toolbar);
        m_currentRect->axis(QCPAxis::atBottom)->setRange(0, d + 1);
        m_currentRect->axis(QCPAxis::atLeft)->setRange(std::max(1e-12, low / 3.0), 1.5);
    }
    if (m_runs.contains(m_spectrogramRun)) {
        ChartToolbar::ProgrammaticRange own(*m_toolbar);
        const QVector<double>& steps = m_runs[m_spectrogramRun].steps;
        const int rows = m_runs[m_spectrogramRun].spectra.front().size();
        m_mapRect->axis(QCPAxis::atLeft)->setRange(0.5, rows + 0.5);
        if (autoRange() && !m_followedRange) {
            const double first = firstShownStep();
            const double last = std::max(first + 1.0, steps.back());
            // The same right-hand padding as the line charts, so the step axes line up.
            const double upper = stepAxisLog() ? last * std::pow(last / first, 0.01) : last + (last - first) * 0.01;
            m_mapRect->axis(QCPAxis::atBottom)->setRange(first, upper);
        }
    }
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace grokscope::ui
