#include "chart_board.h"

#include "chart_panel.h"
#include "event_style.h"
#include "spectrum_panel.h"

#include "io/run_log.h"
#include "metrics/metric_columns.h"
#include "qcustomplot_include.h"

#include <QFileInfo>
#include <QGridLayout>

#include <cmath>

namespace grokscope::ui {

namespace {

constexpr int kRefreshIntervalMs = 40;  // at most 25 repaints per second

// Tableau-like colours that stay readable on white and on dark grey.
const QColor kTrainColours[] = {QColor(31, 119, 180), QColor(148, 103, 189), QColor(127, 127, 127),
                                QColor(188, 189, 34)};
const QColor kTestColours[] = {QColor(255, 127, 14), QColor(214, 39, 40), QColor(140, 86, 75),
                               QColor(23, 190, 207)};

QColor seriesColour(SeriesColour colour, int colourShift)
{
    switch (colour) {
    case SeriesColour::Primary:
        return kTrainColours[colourShift % 4];
    case SeriesColour::Secondary:
        return kTestColours[colourShift % 4];
    case SeriesColour::Tertiary:
        break;
    }
    return kTrainColours[(colourShift + 2) % 4];
}

}  // namespace

ChartBoard::ChartBoard(QWidget* parent) : QWidget(parent)
{
    m_loss = new ChartPanel(tr("Loss"), tr("cross-entropy (log)"), this);
    m_loss->setValueAxisLog(true);
    m_accuracy = new ChartPanel(tr("Accuracy"), tr("accuracy"), this);
    m_accuracy->setFixedValueRange(-0.02, 1.05);
    m_norm = new ChartPanel(tr("Weight norm ‖θ‖₂"), tr("‖θ‖₂"), this);
    m_entropy = new ChartPanel(tr("Normalised spectral entropy H̃"), tr("H̃"), this);
    m_entropy->enableThreshold(tr("H̃*"), 0.609);
    // Diagnostics beyond the paper (README, "Diagnostics"): the unit-interval ones share a chart.
    m_alignment = new ChartPanel(tr("Fourier alignment A, log-alignment ratio, saturated share"), tr("value"), this);
    m_alignment->setFixedValueRange(-0.02, 1.05);
    m_logits = new ChartPanel(tr("Effective logit scale"), tr("RMS centred logit"), this);
    m_spectrum = new SpectrumPanel(this);
    m_panels = {m_loss, m_accuracy, m_norm, m_entropy, m_alignment, m_logits};

    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(2, 2, 2, 2);
    grid->setSpacing(4);
    grid->addWidget(m_loss, 0, 0);
    grid->addWidget(m_accuracy, 0, 1);
    grid->addWidget(m_norm, 1, 0);
    grid->addWidget(m_entropy, 1, 1);
    grid->addWidget(m_alignment, 2, 0);
    grid->addWidget(m_logits, 2, 1);
    grid->addWidget(m_spectrum, 3, 0, 1, 2);
    for (int row = 0; row < 4; ++row)
        grid->setRowStretch(row, 1);

    m_refreshTimer.setSingleShot(true);
    m_refreshTimer.setInterval(kRefreshIntervalMs);
    connect(&m_refreshTimer, &QTimer::timeout, this, &ChartBoard::refreshNow);

    for (ChartPanel* panel : m_panels) {
        connect(panel, &ChartPanel::dirtied, this, &ChartBoard::scheduleRefresh);
        connect(panel, &ChartPanel::stepRangeChangedByUser, this,
                [this, panel](double lower, double upper) { syncStepRange(panel, lower, upper); });
        connect(panel, &ChartPanel::stepAxisLogToggled, this, &ChartBoard::syncStepLog);
        connect(panel, &ChartPanel::autoRangeToggled, this, &ChartBoard::syncAutoRange);
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
    connect(m_entropy, &ChartPanel::thresholdChanged, this, &ChartBoard::entropyThresholdChanged);
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

ChartBoard::SeriesIds ChartBoard::createSeries(const QString& prefix, Qt::PenStyle style, int colourShift)
{
    const std::vector<MetricColumn>& columns = metricColumns();
    SeriesIds ids(columns.size(), -1);
    // A chart lists its series in colour order (train before test), whatever their order in metrics.csv.
    for (SeriesColour colour : {SeriesColour::Primary, SeriesColour::Secondary, SeriesColour::Tertiary})
        for (size_t i = 0; i < columns.size(); ++i)
            if (ChartPanel* panel = panelFor(columns[i].chart); panel && columns[i].colour == colour)
                ids[i] = panel->addSeries(prefix + tr(columns[i].label), seriesColour(colour, colourShift), style);
    return ids;
}

void ChartBoard::beginArm(int arm, const QString& label)
{
    if (m_arms.contains(arm))
        return;
    const QString prefix = arm == 0 ? QString() : label + QStringLiteral(" ");
    m_arms.insert(arm, createSeries(prefix, arm == 0 ? Qt::SolidLine : Qt::DashLine, arm));
}

void ChartBoard::clearAll()
{
    for (ChartPanel* panel : m_panels) {
        panel->removeAllSeries();
        panel->clearMarkers();
        panel->setAutoRange(true);
    }
    m_spectrum->clear();
    m_spectrum->setAutoRange(true);
    m_entropy->clearForecast();
    m_norm->clearForecast();
    m_entropyForecastText.clear();
    m_normEtaText.clear();
    setForecastText(QString());
    m_arms.clear();
    m_overlays.clear();
    m_overlayCount = 0;
}

void ChartBoard::appendEvaluation(const SeriesIds& ids, const EvalSnapshot& s)
{
    const std::vector<MetricColumn>& columns = metricColumns();
    for (size_t i = 0; i < columns.size(); ++i) {
        if (ids[i] < 0)
            continue;
        if (const std::optional<double> value = metricValue(columns[i], s))  // unset (H̃ between spectra): no point
            panelFor(columns[i].chart)->appendPoint(ids[i], static_cast<double>(s.step), *value);
    }
}

void ChartBoard::addEvaluation(int arm, const EvalSnapshot& snapshot)
{
    if (!m_arms.contains(arm))
        beginArm(arm, tr("arm %1").arg(arm + 1));
    appendEvaluation(m_arms.value(arm), snapshot);
    if (arm == 0)
        showForecast(snapshot);
}

// The last forecast stays up after T_grok, so the band can be compared with the
// T_grok marker; evaluations without one (before memorisation) change nothing.
void ChartBoard::showForecast(const EvalSnapshot& snapshot)
{
    if (snapshot.normEtaStep) {
        m_normEtaText = tr("norm-decay ETA step %L1").arg(*snapshot.normEtaStep, 0, 'f', 0);
        m_norm->setForecast(*snapshot.normEtaStep, 0.0,
                            tr("norm-decay ETA at step %L1: ‖θ‖ reaches the target ≈ step %L2")
                                .arg(snapshot.step)
                                .arg(*snapshot.normEtaStep, 0, 'f', 0));
    }
    if (snapshot.forecastGrokStep) {
        const double step = *snapshot.forecastGrokStep;
        const double halfWidth = snapshot.forecastHalfWidthSteps.value_or(0.0);
        m_entropyForecastText =
            tr("grokking expected at step %L1 (± %L2)").arg(step, 0, 'f', 0).arg(halfWidth, 0, 'f', 0);
        m_entropy->setForecast(step, halfWidth, tr("forecast at step %L1: T_grok ≈ %L2 ± %L3")
                                                     .arg(snapshot.step)
                                                     .arg(step, 0, 'f', 0)
                                                     .arg(halfWidth, 0, 'f', 0));
    }
    QStringList parts;
    for (const QString& part : {m_entropyForecastText, m_normEtaText})
        if (!part.isEmpty())
            parts << part;
    setForecastText(parts.join(QStringLiteral(" · ")));
}

void ChartBoard::setForecastText(const QString& text)
{
    if (text == m_forecastText)
        return;
    m_forecastText = text;
    Q_EMIT forecastChanged(text);
}

void ChartBoard::addSpectrum(int arm, const SpectrumSnapshot& snapshot)
{
    m_spectrum->appendSpectrum(arm, snapshot.step, QVector<double>(snapshot.eigenvalues.begin(), snapshot.eigenvalues.end()));
}

void ChartBoard::addEvent(int arm, const RunEvent& event)
{
    const EventStyle style = eventStyle(event);
    if (!style.marker)
        return;
    const QString label = arm == 0 ? style.label : tr("arm %1: %2").arg(arm + 1).arg(style.label);
    for (ChartPanel* panel : m_panels)
        panel->addMarker(static_cast<double>(event.step), label, style.colour);
}

void ChartBoard::showRun(const RunLog& log)
{
    clearAll();
    beginArm(0, QString());
    for (const EvalSnapshot& s : log.evaluations) {
        appendEvaluation(m_arms.value(0), s);
        showForecast(s);
    }
    for (const SpectrumSnapshot& s : log.spectra)
        addSpectrum(0, s);
    // Phase and failure markers first, so that a log with more interventions than a
    // chart draws (ChartPanel::kMaxMarkers) still shows T_grok and its neighbours.
    for (const RunEvent& e : log.events)
        if (e.type != "intervention")
            addEvent(0, e);
    for (const RunEvent& e : log.events)
        if (e.type == "intervention")
            addEvent(0, e);
    setEntropyThreshold(effectiveEntropyThreshold(log.config));
}

void ChartBoard::addOverlay(const RunLog& log)
{
    const QString name = QFileInfo(QString::fromStdString(log.directory)).fileName();
    ++m_overlayCount;
    const SeriesIds ids = createSeries(name + QStringLiteral(" "), Qt::DotLine, 1 + m_overlayCount);
    m_overlays.append(ids);
    for (const EvalSnapshot& s : log.evaluations)
        appendEvaluation(ids, s);
    for (const RunEvent& e : log.events) {
        if (e.type == "intervention")
            continue;
        const EventStyle style = eventStyle(e);
        if (style.marker)
            for (ChartPanel* panel : m_panels)
                panel->addMarker(static_cast<double>(e.step), name + QStringLiteral(": ") + style.label,
                                 style.colour.lighter(120));
    }
}

void ChartBoard::clearOverlays()
{
    const std::vector<MetricColumn>& columns = metricColumns();
    for (const SeriesIds& ids : m_overlays)
        for (size_t i = 0; i < columns.size(); ++i)
            if (ids[i] >= 0)
                panelFor(columns[i].chart)->removeSeries(ids[i]);
    m_overlays.clear();
    m_overlayCount = 0;
}

void ChartBoard::setSmoothing(bool enabled)
{
    for (ChartPanel* panel : m_panels)
        panel->setSmoothing(enabled);
}

void ChartBoard::setEntropyThreshold(double value) { m_entropy->setThreshold(value); }

double ChartBoard::entropyThreshold() const { return m_entropy->threshold(); }

QList<QPair<QString, QCustomPlot*>> ChartBoard::figures() const
{
    QList<QPair<QString, QCustomPlot*>> list;
    for (ChartPanel* panel : m_panels)
        list.append({panel->title(), panel->plot()});
    list.append({m_spectrum->title(), m_spectrum->plot()});
    return list;
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
    for (ChartPanel* panel : m_panels)
        panel->refresh();
    m_spectrum->refresh();
    m_lastRefreshMs = clock.nsecsElapsed() / 1e6;
    m_maxRefreshMs = std::max(m_maxRefreshMs, m_lastRefreshMs);
    ++m_refreshCount;
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

}  // namespace grokscope::ui
