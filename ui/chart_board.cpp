// ChartBoard's layout and the charts' shared step axis, smoothing, crosshair and
// margins; the runs on them are in chart_board_runs.cpp.
#include "chart_board.h"

#include "chart_panel.h"
#include "run_list.h"
#include "spectrum_panel.h"

#include "metrics/metric_columns.h"
#include "qcustomplot_include.h"

#include <QGridLayout>
#include <QLabel>

#include <algorithm>
#include <cmath>

namespace grokscope::ui {

namespace {

constexpr int kRefreshIntervalMs = 40;  // at most 25 repaints per second

}  // namespace

ChartBoard::ChartBoard(QWidget* parent) : QWidget(parent), m_runs(new RunList(this))
{
    m_loss = new ChartPanel(tr("Loss"), tr("cross-entropy (log)"), this);
    m_loss->setValueAxisLog(true);
    m_accuracy = new ChartPanel(tr("Accuracy"), tr("accuracy"), this);
    m_accuracy->setFixedValueRange(-0.02, 1.05);
    m_norm = new ChartPanel(tr("Weight norm ‖θ‖₂"), tr("‖θ‖₂"), this);
    m_entropy = new ChartPanel(tr("Normalised spectral entropy H̃"), tr("H̃"), this);
    m_entropy->enableThreshold(tr("H̃*"), 0.609);
    // Diagnostics beyond the paper (README, "Diagnostics"): the unit-interval ones share a chart.
    m_alignment = new ChartPanel(tr("Fourier A, log-alignment ratio, saturated share"), tr("value"), this);
    m_alignment->setFixedValueRange(-0.02, 1.05);
    m_logits = new ChartPanel(tr("Effective logit scale"), tr("RMS centred logit"), this);
    m_spectrum = new SpectrumPanel(this);
    m_panels = {m_loss, m_accuracy, m_norm, m_entropy, m_alignment, m_logits};
    const char* names[] = {"lossChart", "accuracyChart", "normChart", "entropyChart", "alignmentChart", "logitChart"};
    for (int i = 0; i < m_panels.size(); ++i) {
        m_panels[i]->setObjectName(QLatin1String(names[i]));
        m_panels[i]->setProperty("chartTitle", m_panels[i]->title());
    }
    m_spectrum->setProperty("chartTitle", m_spectrum->title());

    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(2, 2, 2, 2);
    grid->setSpacing(kColumnSpacing);
    grid->addWidget(m_loss, 0, 0);
    grid->addWidget(m_accuracy, 0, 1);
    grid->addWidget(m_norm, 1, 0);
    grid->addWidget(m_entropy, 1, 1);
    grid->addWidget(m_alignment, 2, 0);
    grid->addWidget(m_logits, 2, 1);
    // Spans both columns: its spectrogram lies under the right-hand charts, step for step.
    grid->addWidget(m_spectrum, 3, 0, 1, 2);
    for (int row = 0; row < 4; ++row)
        grid->setRowStretch(row, 1);
    grid->setColumnStretch(0, 1);
    grid->setColumnStretch(1, 1);

    m_refreshTimer.setSingleShot(true);
    m_refreshTimer.setInterval(kRefreshIntervalMs);
    connect(&m_refreshTimer, &QTimer::timeout, this, &ChartBoard::refreshNow);

    for (ChartPanel* panel : m_panels) {
        connect(panel, &ChartPanel::dirtied, this, &ChartBoard::scheduleRefresh);
        connect(panel, &ChartPanel::stepRangeChangedByUser, this,
                [this, panel](double lower, double upper) { syncStepRange(panel, lower, upper); });
        connect(panel, &ChartPanel::stepAxisLogToggled, this, &ChartBoard::syncStepLog);
        connect(panel, &ChartPanel::autoRangeToggled, this, &ChartBoard::syncAutoRange);
        connect(panel, &ChartPanel::smoothingWeightChanged, this, &ChartBoard::setSmoothingWeight);
        connect(panel, &ChartPanel::crosshairMoved, this, [this, panel](double step) { syncCrosshair(panel, step); });
        connect(panel, &ChartPanel::crosshairLeft, this, [this, panel] { hideCrosshairs(panel); });
        connect(panel, &ChartPanel::exportRequested, this,
                [this, panel] { Q_EMIT exportRequested(panel->title(), panel->plot()); });
    }
    connect(m_spectrum, &SpectrumPanel::dirtied, this, &ChartBoard::scheduleRefresh);
    connect(m_spectrum, &SpectrumPanel::stepRangeChangedByUser, this,
            [this](double lower, double upper) { syncStepRange(m_spectrum, lower, upper); });
    connect(m_spectrum, &SpectrumPanel::stepAxisLogToggled, this, &ChartBoard::syncStepLog);
    connect(m_spectrum, &SpectrumPanel::autoRangeToggled, this, &ChartBoard::syncAutoRange);
    connect(m_spectrum, &SpectrumPanel::exportRequested, this,
            [this] { Q_EMIT exportRequested(m_spectrum->title(), m_spectrum->plot()); });
    connect(m_entropy, &ChartPanel::thresholdChanged, this, [this](double value) {
        recomputeCrossings();
        Q_EMIT entropyThresholdChanged(value);
    });

    // The first screen says what to do instead of showing empty 0–1 axes.
    m_emptyHint = new QLabel(tr("<b>No run on the charts yet.</b><br>Press <b>Start</b> (F5) to train the preset on "
                                "the left, or open a saved run (Ctrl+O) or an experiment (File → Open experiment)."),
                             this);
    m_emptyHint->setObjectName(QStringLiteral("emptyHint"));
    m_emptyHint->setAlignment(Qt::AlignCenter);
    m_emptyHint->setWordWrap(true);
    m_emptyHint->setAutoFillBackground(true);
    m_emptyHint->setFrameShape(QFrame::StyledPanel);
    m_emptyHint->setMargin(14);
    connect(m_runs, &RunList::runAdded, this, &ChartBoard::updateEmptyHint);
    connect(m_runs, &RunList::runRemoved, this, &ChartBoard::updateEmptyHint);
    updateEmptyHint();

    connect(m_runs, &RunList::runAdded, this, &ChartBoard::onRunAdded);
    connect(m_runs, &RunList::runAboutToBeRemoved, this, &ChartBoard::onRunRemoved);
    connect(m_runs, &RunList::runChanged, this, &ChartBoard::onRunChanged);
}

ChartPanel* ChartBoard::panelFor(MetricChart chart) const
{
    switch (chart) {
    case MetricChart::Loss:
        return m_loss;
    case MetricChart::Accuracy:
        return m_accuracy;
    case MetricChart::WeightNorm:
        return m_norm;
    case MetricChart::Entropy:
        return m_entropy;
    case MetricChart::Alignment:
        return m_alignment;
    case MetricChart::LogitScale:
        return m_logits;
    case MetricChart::None:
        break;
    }
    return nullptr;
}

void ChartBoard::updateEmptyHint()
{
    m_emptyHint->setVisible(m_runs->count() == 0);
    m_emptyHint->raise();
}

void ChartBoard::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    const int width = std::min(520, this->width() - 40);
    const int height = m_emptyHint->heightForWidth(width);
    // Over the loss and accuracy charts' plot area, where the user looks first.
    m_emptyHint->setGeometry((this->width() - width) / 2, std::max(10, this->height() / 8), width, height);
}

// ----- the charts together -----------------------------------------------------------

void ChartBoard::setSmoothing(bool enabled) { setSmoothingWeight(enabled ? ChartSeriesSet::kSmoothingWeight : 0.0); }

void ChartBoard::setSmoothingWeight(double weight)
{
    for (ChartPanel* panel : m_panels)
        if (panel->smoothingWeight() != weight)
            panel->setSmoothingWeight(weight);
}

void ChartBoard::setEntropyThreshold(double value)
{
    m_entropy->setThreshold(value);
    recomputeCrossings();
}

void ChartBoard::recomputeCrossings()
{
    for (int id : m_series.keys())
        updateCrossing(id);
}

double ChartBoard::entropyThreshold() const { return m_entropy->threshold(); }

QList<QPair<QString, QCustomPlot*>> ChartBoard::figures() const
{
    QList<QPair<QString, QCustomPlot*>> list;
    for (ChartPanel* panel : m_panels)
        list.append({panel->title(), panel->plot()});
    list.append({m_spectrum->title(), m_spectrum->plot()});
    return list;
}

QList<QWidget*> ChartBoard::chartWidgets() const
{
    QList<QWidget*> widgets;
    for (ChartPanel* panel : m_panels)
        widgets << panel;
    widgets << m_spectrum;
    return widgets;
}

int ChartBoard::markerCount() const { return m_loss->markerCount(); }

int ChartBoard::hiddenMarkerCount() const { return m_loss->hiddenMarkerCount(); }

void ChartBoard::applyPalette(const QPalette& palette)
{
    for (ChartPanel* panel : m_panels)
        panel->applyPalette(palette);
    m_spectrum->applyPalette(palette);
}

void ChartBoard::scheduleRefresh()
{
    if (!m_refreshTimer.isActive())
        m_refreshTimer.start();
}

void ChartBoard::refreshNow()
{
    m_refreshTimer.stop();
    for (const auto& figure : figures())
        m_maxReplotMs = std::max(m_maxReplotMs, figure.second->replotTime());
    QElapsedTimer clock;
    clock.start();
    alignColumns();
    for (ChartPanel* panel : m_panels)
        panel->refresh();
    m_spectrum->refresh();
    const QCPRange steps = m_accuracy->plot()->xAxis->range();
    m_spectrum->followStepRange(steps.lower, steps.upper);
    m_lastRefreshMs = clock.nsecsElapsed() / 1e6;
    m_maxRefreshMs = std::max(m_maxRefreshMs, m_lastRefreshMs);
    ++m_refreshCount;
}

// The charts of a column (and the spectrum's half under it) share their left and right
// margins, so their step axes start and end at the same pixel: the widest margin any
// of them needed so far wins (read from the last layout, so a change settles on the
// next repaint). clearAll lets them shrink again.
void ChartBoard::alignColumns()
{
    for (int column = 0; column < 2; ++column) {
        const QList<QCPAxisRect*> rects = columnRects(column);
        int left = 0, right = 0;
        for (QCPAxisRect* rect : rects) {
            left = std::max(left, rect->margins().left());
            right = std::max(right, rect->margins().right());
        }
        for (QCPAxisRect* rect : rects)
            rect->setMinimumMargins(QMargins(left, 0, right, 0));
    }
}

QList<QCPAxisRect*> ChartBoard::columnRects(int column) const
{
    QList<QCPAxisRect*> rects;
    for (int row = 0; row < 3; ++row)
        rects << m_panels[row * 2 + column]->plot()->axisRect();
    rects << m_spectrum->columnRect(column);
    return rects;
}

void ChartBoard::syncStepRange(QObject* source, double lower, double upper)
{
    for (ChartPanel* panel : m_panels)
        if (panel != source)
            panel->setStepRange(lower, upper);
    if (m_spectrum != source)
        m_spectrum->setStepRange(lower, upper);
}

void ChartBoard::syncStepLog(bool logarithmic)
{
    for (ChartPanel* panel : m_panels)
        panel->setStepAxisLog(logarithmic);
    m_spectrum->setStepAxisLog(logarithmic);
}

void ChartBoard::syncAutoRange(bool follow)
{
    for (ChartPanel* panel : m_panels)
        panel->setAutoRange(follow);
    m_spectrum->setAutoRange(follow);
}

void ChartBoard::syncCrosshair(QObject* source, double step)
{
    for (ChartPanel* panel : m_panels)
        if (panel != source)
            panel->showCrosshairAt(step);
}

void ChartBoard::hideCrosshairs(QObject* source)
{
    for (ChartPanel* panel : m_panels)
        if (panel != source)
            panel->hideCrosshair();
}

}  // namespace grokscope::ui
