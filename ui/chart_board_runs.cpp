// ChartBoard's runs: the series, bands and markers of every run of the board's RunList
// (run_list.h), made, shown, hidden, renamed and removed as the list changes; the live
// arms, saved runs, overlays and replays that feed them; an experiment's arms built
// from their seeds (arm_aggregate.h); the "H̃ < H̃*" crossing recomputed for the H̃*
// shown. The layout and the charts' shared axes are in chart_board.cpp.
#include "chart_board.h"

#include "chart_panel.h"
#include "event_style.h"
#include "run_list.h"
#include "spectrum_panel.h"

#include "io/run_log.h"
#include "metrics/event_detector.h"
#include "metrics/forecast.h"
#include "metrics/metric_columns.h"
#include "metrics/statistics.h"
#include "qcustomplot_include.h"

#include <algorithm>
#include <cmath>

namespace grokscope::ui {

namespace {

// A run's series differ by dash: train solid, test dashed, a third metric dotted.
Qt::PenStyle seriesStyle(SeriesColour kind)
{
    switch (kind) {
    case SeriesColour::Primary:
        return Qt::SolidLine;
    case SeriesColour::Secondary:
        return Qt::DashLine;
    case SeriesColour::Tertiary:
        break;
    }
    return Qt::DotLine;
}

// Seeds are thin and faint under their arm's bold mean.
SeriesLook lookFor(RunSource source)
{
    SeriesLook look;
    if (source == RunSource::ExperimentSeed) {
        look.width = 1.0;
        look.alpha = 70;
        look.inLegend = false;
    } else if (source == RunSource::ExperimentArm) {
        look.width = 2.4;
    }
    return look;
}

bool isSeed(const ShownRun& run) { return run.source == RunSource::ExperimentSeed; }

}  // namespace

void ChartBoard::createSeries(int id)
{
    const ShownRun* run = m_runs->find(id);
    const std::vector<MetricColumn>& columns = metricColumns();
    RunSeries series;
    series.series.assign(columns.size(), -1);
    series.bands.assign(columns.size(), -1);
    const SeriesLook look = lookFor(run->source);
    // A chart lists its series in kind order (train before test), whatever their order in metrics.csv.
    for (SeriesColour kind : {SeriesColour::Primary, SeriesColour::Secondary, SeriesColour::Tertiary})
        for (size_t i = 0; i < columns.size(); ++i)
            if (ChartPanel* panel = panelFor(columns[i].chart); panel && columns[i].colour == kind) {
                series.series[i] = panel->addSeries(tr(columns[i].label), run->colour, seriesStyle(kind), look);
                if (run->source == RunSource::ExperimentArm)
                    series.bands[i] = panel->addBand(run->colour);
            }
    m_series.insert(id, series);
}

void ChartBoard::onRunAdded(int id)
{
    createSeries(id);
    onRunChanged(id);
}

void ChartBoard::onRunRemoved(int id)
{
    if (!m_series.contains(id))
        return;
    const RunSeries series = m_series.take(id);
    const std::vector<MetricColumn>& columns = metricColumns();
    for (size_t i = 0; i < columns.size(); ++i) {
        if (ChartPanel* panel = panelFor(columns[i].chart)) {
            if (series.series[i] >= 0)
                panel->removeSeries(series.series[i]);
            if (series.bands[i] >= 0)
                panel->removeBand(series.bands[i]);
        }
    }
    for (ChartPanel* panel : m_panels)
        panel->removeMarkers(id);
    m_spectrum->removeRun(id);
    const ShownRun* run = m_runs->find(id);
    if (run && run->source == RunSource::LiveArm && run->liveArm == 0)
        clearForecasts();
    // The arm's curve without this seed; relabel once the run has left the list.
    if (run && isSeed(*run))
        QMetaObject::invokeMethod(this, [this, arm = run->parent] { updateArmCurve(arm); }, Qt::QueuedConnection);
    QMetaObject::invokeMethod(this, [this] { relabel(); }, Qt::QueuedConnection);
}

void ChartBoard::onRunChanged(int id)
{
    if (!m_series.contains(id))
        return;
    const bool shown = m_runs->isShown(id);
    const RunSeries& series = m_series[id];
    const std::vector<MetricColumn>& columns = metricColumns();
    for (size_t i = 0; i < columns.size(); ++i) {
        if (ChartPanel* panel = panelFor(columns[i].chart)) {
            if (series.series[i] >= 0)
                panel->setSeriesVisible(series.series[i], shown);
            if (series.bands[i] >= 0)
                panel->setBandVisible(series.bands[i], shown);
        }
    }
    for (ChartPanel* panel : m_panels)
        panel->setMarkersVisible(id, shown);
    const ShownRun* run = m_runs->find(id);
    m_spectrum->setRunShown(id, shown, run->name);
    relabel();
}

// One legend entry per metric kind for the first run shown ("train", "test"); when
// more runs are shown it carries its name, and every other run one entry, its name on
// its solid series. Marker labels carry the run's name once there is more than one.
void ChartBoard::relabel()
{
    std::vector<int> shown;
    for (const ShownRun& run : m_runs->runs())
        if (!isSeed(run) && m_runs->isShown(run.id) && m_series.contains(run.id))
            shown.push_back(run.id);
    const bool several = shown.size() > 1;
    const std::vector<MetricColumn>& columns = metricColumns();
    for (const ShownRun& run : m_runs->runs()) {
        if (isSeed(run) || !m_series.contains(run.id))
            continue;
        const bool lead = !shown.empty() && run.id == shown.front();
        const RunSeries& series = m_series[run.id];
        for (size_t i = 0; i < columns.size(); ++i) {
            ChartPanel* panel = panelFor(columns[i].chart);
            if (!panel || series.series[i] < 0)
                continue;
            const QString kind = tr(columns[i].label);
            const bool primary = columns[i].colour == SeriesColour::Primary;
            QString name = kind;
            if (several && lead && primary)
                name = run.name + QStringLiteral(" · ") + kind;
            else if (several && !lead)
                name = run.name;
            panel->setSeriesName(series.series[i], name);
            panel->setSeriesInLegend(series.series[i], lead || primary);
        }
    }
    const bool prefixed = m_markersPrefixed;
    m_markersPrefixed = several;
    if (prefixed != several)
        for (int id : m_series.keys())
            redrawMarkers(id);
    scheduleRefresh();
}

void ChartBoard::redrawMarkers(int id)
{
    const ShownRun* run = m_runs->find(id);
    if (!run || !m_series.contains(id))
        return;
    for (ChartPanel* panel : m_panels)
        panel->removeMarkers(id);
    std::vector<RunEvent> events = markedEvents(id);
    // The paper's phases first, T_grok before all, then failures and the rest, and
    // interventions last: a chart that has room for few labels (a small window, a
    // journal-width export), or a log with more interventions than a chart draws
    // (ChartPanel::kMaxMarkers), still shows T_grok and its neighbours.
    auto rank = [](const RunEvent& e) {
        static const char* const order[] = {"grokked", "entropy_threshold_crossed", "entropy_collapse", "memorised"};
        for (int i = 0; i < 4; ++i)
            if (e.type == order[i])
                return i;
        return e.type == "intervention" ? 5 : 4;
    };
    std::stable_sort(events.begin(), events.end(), [&](const RunEvent& a, const RunEvent& b) { return rank(a) < rank(b); });
    for (const RunEvent& event : events) {
        const EventStyle style = eventStyle(event);
        if (!style.marker)
            continue;
        QString label = style.label;
        QColor colour = style.colour;
        if (run->source == RunSource::ExperimentArm) {  // in the arm's colour: several arms' medians stand apart
            label = tr("%1 median T_grok").arg(run->name);
            colour = run->colour;
        } else if (m_markersPrefixed) {
            label = run->name + QStringLiteral(": ") + label;
        }
        for (ChartPanel* panel : m_panels)
            panel->addMarker(static_cast<double>(event.step), label, colour, id);
    }
    const bool shown = m_runs->isShown(id);
    for (ChartPanel* panel : m_panels)
        panel->setMarkersVisible(id, shown);
}

std::vector<RunEvent> ChartBoard::markedEvents(int id) const
{
    const ShownRun* run = m_runs->find(id);
    if (!run || !m_series.contains(id))
        return {};
    const RunSeries& series = m_series[id];
    std::vector<RunEvent> events;
    if (run->source == RunSource::ExperimentArm) {
        // An arm's marker is its seeds' median T_grok; each seed's is in the T_grok strip.
        const std::vector<double> groks = armGrokSteps(id);
        if (!groks.empty()) {
            RunEvent median;
            median.type = "grokked";
            median.step = static_cast<long>(std::lround(grokscope::median(groks)));
            events.push_back(median);
        }
        return events;
    }
    for (const RunEvent& e : series.events)
        if (e.type != "entropy_threshold_crossed")
            events.push_back(e);
    if (series.crossing) {
        RunEvent crossing;
        crossing.type = "entropy_threshold_crossed";
        crossing.step = *series.crossing;
        crossing.message = "H̃ crossed H̃*";
        crossing.values["threshold"] = entropyThreshold();
        events.push_back(crossing);
    }
    return events;
}

void ChartBoard::updateCrossing(int id)
{
    const ShownRun* run = m_runs->find(id);
    if (!run || isSeed(*run) || run->source == RunSource::ExperimentArm || !m_series.contains(id))
        return;
    RunSeries& series = m_series[id];
    const std::optional<long> crossing = entropyThresholdCrossing(series.evaluations, entropyThreshold(),
                                                                  series.memorised, series.crossingAfterMemorisation);
    if (crossing == series.crossing)
        return;
    series.crossing = crossing;
    redrawMarkers(id);
}

int ChartBoard::liveRun(int arm)
{
    const int id = m_runs->liveArmRun(arm);
    if (id >= 0)
        return id;
    beginArm(arm, arm == 0 ? tr("live run") : tr("branch %1").arg(arm));
    return m_runs->liveArmRun(arm);
}

void ChartBoard::beginArm(int arm, const QString& label)
{
    if (const int id = m_runs->liveArmRun(arm); id >= 0) {
        m_runs->setName(id, label);
        return;
    }
    if (arm == 0)
        m_grokked = false;
    m_runs->add(RunSource::LiveArm, label, QString(), -1, arm);
}

void ChartBoard::clearAll()
{
    m_runs->removeAll({RunSource::LiveArm, RunSource::Saved, RunSource::Overlay});
    for (ChartPanel* panel : m_panels)
        panel->setAutoRange(true);
    m_spectrum->setAutoRange(true);
    for (int column = 0; column < 2; ++column)
        for (QCPAxisRect* rect : columnRects(column))
            rect->setMinimumMargins(QMargins());
    clearForecasts();
    m_grokked = false;
}

void ChartBoard::clearForecasts()
{
    m_entropy->clearForecast();
    m_norm->clearForecast();
    m_entropyForecastText.clear();
    m_normEtaText.clear();
    setForecastText(QString());
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

void ChartBoard::setSeriesData(const SeriesIds& ids, const std::vector<EvalSnapshot>& evaluations)
{
    const std::vector<MetricColumn>& columns = metricColumns();
    for (size_t i = 0; i < columns.size(); ++i) {
        if (ids[i] < 0)
            continue;
        QVector<double> steps, values;
        steps.reserve(static_cast<int>(evaluations.size()));
        values.reserve(static_cast<int>(evaluations.size()));
        for (const EvalSnapshot& s : evaluations)
            if (const std::optional<double> value = metricValue(columns[i], s)) {
                steps << static_cast<double>(s.step);
                values << *value;
            }
        panelFor(columns[i].chart)->setSeriesData(ids[i], steps, values);
    }
}

void ChartBoard::addEvaluation(int arm, const EvalSnapshot& snapshot)
{
    const int id = liveRun(arm);
    RunSeries& series = m_series[id];
    appendEvaluation(series.series, snapshot);
    series.evaluations.push_back(snapshot);
    if (!series.crossing)
        updateCrossing(id);
    if (arm == 0)
        showForecast(snapshot);
}

// The last forecast stays up until T_grok, so the band can be compared with the T_grok
// marker as it arrives; evaluations without one (before memorisation) change nothing.
void ChartBoard::showForecast(const EvalSnapshot& snapshot)
{
    if (m_grokked)
        return;
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
        if (isInformative(step, halfWidth)) {
            m_entropyForecastText =
                tr("grokking expected at step %L1 (± %L2)").arg(step, 0, 'f', 0).arg(halfWidth, 0, 'f', 0);
            m_entropy->setForecast(step, halfWidth, tr("forecast at step %L1: T_grok ≈ %L2 ± %L3")
                                                         .arg(snapshot.step)
                                                         .arg(step, 0, 'f', 0)
                                                         .arg(halfWidth, 0, 'f', 0));
        } else {
            m_entropyForecastText = tr("no forecast yet: ± %L1 steps is too wide").arg(halfWidth, 0, 'f', 0);
            m_entropy->clearForecast();
        }
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
    const int id = liveRun(arm);
    const ShownRun* run = m_runs->find(id);
    m_spectrum->appendSpectrum(id, run->name, run->colour, snapshot.step,
                               QVector<double>(snapshot.eigenvalues.begin(), snapshot.eigenvalues.end()));
}

void ChartBoard::addEvent(int arm, const RunEvent& event)
{
    const int id = liveRun(arm);
    RunSeries& series = m_series[id];
    series.events.push_back(event);
    if (arm == 0 && event.type == "grokked") {  // nothing left to forecast
        m_grokked = true;
        clearForecasts();
    }
    if (event.type == "memorised" && !series.memorised) {
        series.memorised = event.step;
        updateCrossing(id);
    }
    const EventStyle style = eventStyle(event);
    if (!style.marker || event.type == "entropy_threshold_crossed")  // the board draws the crossing itself
        return;
    const ShownRun* run = m_runs->find(id);
    const QString label = m_markersPrefixed ? run->name + QStringLiteral(": ") + style.label : style.label;
    for (ChartPanel* panel : m_panels)
        panel->addMarker(static_cast<double>(event.step), label, style.colour, id);
    m_spectrum->addMarker(id, static_cast<double>(event.step), style.colour);
}

// A saved run's evaluations, events and H̃* rule, as the charts keep them.
void ChartBoard::keepLog(int id, const RunLog& log)
{
    RunSeries& series = m_series[id];
    series.evaluations = log.evaluations;
    series.events = log.events;
    if (const RunEvent* memorised = log.firstEvent("memorised"))
        series.memorised = memorised->step;
    series.crossingAfterMemorisation = log.config.metrics.entropyEventsAfterMemorisation;
    series.crossing = entropyThresholdCrossing(series.evaluations, entropyThreshold(), series.memorised,
                                               series.crossingAfterMemorisation);
    setSeriesData(series.series, log.evaluations);
}

int ChartBoard::showRun(const RunLog& log)
{
    clearAll();
    const QString name = shortRunName(QString::fromStdString(log.config.name), log.config.run.modelSeed);
    // Arm 0 of the window's event rows (MainWindow::eventRow) until a run starts.
    const int id = m_runs->add(RunSource::Saved, name, QString::fromStdString(log.directory), -1, 0);
    setEntropyThreshold(effectiveEntropyThreshold(log.config));
    keepLog(id, log);
    for (const EvalSnapshot& s : log.evaluations)
        showForecast(s);
    if (log.firstEvent("grokked")) {
        m_grokked = true;
        clearForecasts();
    }
    const ShownRun* run = m_runs->find(id);
    for (const SpectrumSnapshot& s : log.spectra)
        m_spectrum->appendSpectrum(id, run->name, run->colour, s.step,
                                   QVector<double>(s.eigenvalues.begin(), s.eigenvalues.end()));
    for (const RunEvent& e : log.events)
        if (eventStyle(e).marker && e.type != "intervention")
            m_spectrum->addMarker(id, static_cast<double>(e.step), eventStyle(e).colour);
    redrawMarkers(id);
    return id;
}

int ChartBoard::addOverlay(const RunLog& log)
{
    const QString name = shortRunName(QString::fromStdString(log.config.name), log.config.run.modelSeed);
    const int id = m_runs->add(RunSource::Overlay, name, QString::fromStdString(log.directory));
    keepLog(id, log);
    // An overlay's interventions stay in its log: its phases are what a comparison needs.
    std::vector<RunEvent>& events = m_series[id].events;
    events.erase(std::remove_if(events.begin(), events.end(), [](const RunEvent& e) { return e.type == "intervention"; }),
                 events.end());
    redrawMarkers(id);
    if (!log.spectra.empty()) {
        const ShownRun* run = m_runs->find(id);
        const SpectrumSnapshot& last = log.spectra.back();
        m_spectrum->appendSpectrum(id, run->name, run->colour, last.step,
                                   QVector<double>(last.eigenvalues.begin(), last.eigenvalues.end()));
    }
    return id;
}

int ChartBoard::beginReplay(const RunLog& log)
{
    m_runs->removeAll({RunSource::LiveArm, RunSource::Saved});
    clearForecasts();
    m_grokked = false;
    const QString name = shortRunName(QString::fromStdString(log.config.name), log.config.run.modelSeed);
    const int id = m_runs->add(RunSource::Saved, name, QString::fromStdString(log.directory), -1, 0);
    m_series[id].crossingAfterMemorisation = log.config.metrics.entropyEventsAfterMemorisation;
    setEntropyThreshold(effectiveEntropyThreshold(log.config));
    return id;
}

void ChartBoard::clearOverlays() { m_runs->removeAll({RunSource::Overlay}); }

int ChartBoard::overlayCount() const
{
    return static_cast<int>(std::count_if(m_runs->runs().begin(), m_runs->runs().end(),
                                          [](const ShownRun& run) { return run.source == RunSource::Overlay; }));
}

// ----- experiments ------------------------------------------------------------------

int ChartBoard::addExperimentArm(const QString& name, const QString& directory)
{
    return m_runs->add(RunSource::ExperimentArm, name, directory);
}

int ChartBoard::addExperimentSeed(int arm, const QString& name, const QString& directory)
{
    return m_runs->add(RunSource::ExperimentSeed, name, directory, arm);
}

void ChartBoard::setSeedLog(int seed, const std::vector<EvalSnapshot>& evaluations, const std::vector<RunEvent>& events)
{
    const ShownRun* run = m_runs->find(seed);
    if (!run || !m_series.contains(seed))
        return;
    RunSeries& series = m_series[seed];
    series.evaluations = evaluations;
    series.events = events;
    setSeriesData(series.series, evaluations);
    updateArmCurve(run->parent);
}

std::vector<double> ChartBoard::armGrokSteps(int arm) const
{
    std::vector<double> steps;
    for (int seed : m_runs->children(arm))
        for (const RunEvent& e : m_series.value(seed).events)
            if (e.type == "grokked") {
                steps.push_back(static_cast<double>(e.step));
                break;
            }
    return steps;
}

void ChartBoard::updateArmCurve(int arm)
{
    if (!m_series.contains(arm))
        return;
    const std::vector<int> seeds = m_runs->children(arm);
    const std::vector<MetricColumn>& columns = metricColumns();
    const RunSeries& armSeries = m_series[arm];
    for (size_t i = 0; i < columns.size(); ++i) {
        ChartPanel* panel = panelFor(columns[i].chart);
        if (!panel || armSeries.series[i] < 0)
            continue;
        std::vector<SeedCurve> curves;
        for (int seed : seeds) {
            SeedCurve curve;
            for (const EvalSnapshot& s : m_series.value(seed).evaluations)
                if (const std::optional<double> value = metricValue(columns[i], s)) {
                    curve.steps << static_cast<double>(s.step);
                    curve.values << *value;
                }
            curves.push_back(curve);
        }
        const ArmCurve curve = aggregateArm(curves, m_bandKind);
        panel->setSeriesData(armSeries.series[i], curve.steps, curve.mean);
        panel->setBandData(armSeries.bands[i], curve.steps, curve.lower, curve.upper);
    }
    redrawMarkers(arm);
}

void ChartBoard::setBandKind(BandKind kind)
{
    if (kind == m_bandKind)
        return;
    m_bandKind = kind;
    for (const ShownRun& run : m_runs->runs())
        if (run.source == RunSource::ExperimentArm)
            updateArmCurve(run.id);
}

int ChartBoard::seriesId(int run, size_t column) const
{
    const auto it = m_series.constFind(run);
    return it == m_series.constEnd() || column >= it->series.size() ? -1 : it->series[column];
}

}  // namespace grokscope::ui
