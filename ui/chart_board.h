#pragma once
// All charts on one shared step axis: loss, accuracy, weight norm, H̃, the
// diagnostics (alignment, logit scale) and the spectrum. Every run on them is a row of
// the board's RunList (run_list.h): the live arms, the opened run, overlays, and an
// opened experiment's arms (a bold mean with a band) and seeds (thin lines). A run has
// one colour; its series differ by dash (train solid, test dashed, a third dotted).
// Turns snapshots and events into series and markers, keeps the step axes, the
// crosshair and the smoothing in sync, and coalesces repaints on one 40 ms single-shot
// timer. Which metric goes on which chart, under which legend entry, comes from
// core/metrics/metric_columns.cpp; this class only lays the charts out.
// chart_board.cpp: the layout and what the charts share; chart_board_runs.cpp: the runs.

#include "arm_aggregate.h"

#include "metrics/eval_snapshot.h"

#include <QElapsedTimer>
#include <QList>
#include <QMap>
#include <QTimer>
#include <QWidget>

#include <optional>
#include <vector>

class QCPAxisRect;
class QCustomPlot;
class QLabel;

namespace grokscope {
struct RunLog;
enum class MetricChart;
}

namespace grokscope::ui {

class ChartPanel;
class RunList;
class SpectrumPanel;

class ChartBoard : public QWidget {
    Q_OBJECT
public:
    explicit ChartBoard(QWidget* parent = nullptr);

    // Every run on the charts; the run list dock shows and edits it.
    RunList* runs() const { return m_runs; }

    // Series of one arm of the live session (0 = main, 1 = branch), named `label` in
    // the run list ("z97-add s0", "branch").
    void beginArm(int arm, const QString& label);
    // Takes the live arms, the opened run and the overlays off (an opened experiment stays).
    void clearAll();
    void addEvaluation(int arm, const grokscope::EvalSnapshot& snapshot);
    void addSpectrum(int arm, const grokscope::SpectrumSnapshot& snapshot);
    void addEvent(int arm, const grokscope::RunEvent& event);
    // Shows a saved run in full (replacing the live arms and the opened run), or as an
    // overlay beside what is shown. Both return the run's id in runs().
    int showRun(const grokscope::RunLog& log);
    int addOverlay(const grokscope::RunLog& log);
    // A saved run played back: an empty "opened" run that arm 0's evaluations, spectra
    // and events fill. Replaces the live arms and the opened run (a replay that seeks
    // back starts over this way), keeps the overlays.
    int beginReplay(const grokscope::RunLog& log);
    void clearOverlays();
    int overlayCount() const;

    // An opened experiment: an arm (its mean and band) and the seeds under it. A seed's
    // log is set whole and again whenever it grows; the arm's curve follows.
    int addExperimentArm(const QString& name, const QString& directory);
    int addExperimentSeed(int arm, const QString& name, const QString& directory);
    void setSeedLog(int seed, const std::vector<grokscope::EvalSnapshot>& evaluations,
                    const std::vector<grokscope::RunEvent>& events);
    void setBandKind(BandKind kind);
    BandKind bandKind() const { return m_bandKind; }
    // The arm's T_grok of each seed that grokked, in seed order.
    std::vector<double> armGrokSteps(int arm) const;

    void setStepAxisLog(bool logarithmic) { syncStepLog(logarithmic); }
    void setSmoothing(bool enabled);
    void setSmoothingWeight(double weight);
    void setEntropyThreshold(double value);
    double entropyThreshold() const;
    // "grokking expected at step X (± Y) · norm-decay ETA step Z" from the main arm's
    // latest forecasts, either part alone when only one exists; "" without any. A
    // forecast wider than the data supports (core/metrics/forecast.h, isInformative) is
    // withheld and says so. Cleared once the main arm has grokked.
    QString forecastText() const { return m_forecastText; }

    QList<ChartPanel*> chartPanels() const { return m_panels; }
    SpectrumPanel* spectrumPanel() const { return m_spectrum; }
    // The six charts and the spectrum, each with an objectName and a "chartTitle"
    // property, for View → Charts.
    QList<QWidget*> chartWidgets() const;
    // Every figure with its title, in display order, for export.
    QList<QPair<QString, QCustomPlot*>> figures() const;
    // The events whose markers run `run` shows: its log's, with the "H̃ < H̃*" crossing
    // recomputed for the H̃* shown (core/metrics/event_detector.h).
    std::vector<grokscope::RunEvent> markedEvents(int run) const;
    // Run `run`'s series id of metricColumns()[column] on its chart, -1 when none.
    int seriesId(int run, size_t column) const;
    int markerCount() const;        // drawn on each chart
    int hiddenMarkerCount() const;  // beyond ChartPanel::kMaxMarkers, counted only

    void applyPalette(const QPalette& palette);
    // Refreshes every chart now (export, screenshot); normally the timer does it.
    void refreshNow();
    double lastRefreshMs() const { return m_lastRefreshMs; }
    double maxRefreshMs() const { return m_maxRefreshMs; }
    // Longest QCustomPlot replot seen so far, over all figures (sampled at each refresh).
    double maxReplotMs() const { return m_maxReplotMs; }
    int refreshCount() const { return m_refreshCount; }

    // The hint shown while no run is on the charts ("Press Start…").
    QLabel* emptyHint() const { return m_emptyHint; }

Q_SIGNALS:
    void entropyThresholdChanged(double value);
    void forecastChanged(const QString& text);
    void exportRequested(const QString& title, QCustomPlot* plot);

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    // Per row of metricColumns(): the id of its series (and, for an arm, its band) on
    // its chart, -1 when not charted.
    using SeriesIds = std::vector<int>;
    struct RunSeries {
        SeriesIds series;
        SeriesIds bands;  // experiment arms only
        std::vector<grokscope::EvalSnapshot> evaluations;  // an arm's curve and the H̃* crossing are built from them
        std::vector<grokscope::RunEvent> events;            // redrawn when names or the shown runs change
        std::optional<long> memorised;                      // its "memorised" event's step
        std::optional<long> crossing;                       // H̃ ≤ the shown H̃*, recomputed when H̃* changes
        bool crossingAfterMemorisation = true;              // metrics.entropy_events_after_memorisation
    };

    ChartPanel* panelFor(grokscope::MetricChart chart) const;
    void createSeries(int run);
    void onRunAdded(int run);
    void onRunRemoved(int run);
    void onRunChanged(int run);
    void relabel();
    void updateEmptyHint();
    void redrawMarkers(int run);
    void updateArmCurve(int arm);
    void updateCrossing(int run);
    void recomputeCrossings();
    void keepLog(int run, const grokscope::RunLog& log);
    int liveRun(int arm);
    void scheduleRefresh();
    void syncStepRange(QObject* source, double lower, double upper);
    void syncStepLog(bool logarithmic);
    void syncAutoRange(bool follow);
    void syncCrosshair(QObject* source, double step);
    void hideCrosshairs(QObject* source);
    void alignColumns();
    QList<QCPAxisRect*> columnRects(int column) const;
    void appendEvaluation(const SeriesIds& ids, const grokscope::EvalSnapshot& snapshot);
    void setSeriesData(const SeriesIds& ids, const std::vector<grokscope::EvalSnapshot>& evaluations);
    void showForecast(const grokscope::EvalSnapshot& snapshot);
    void clearForecasts();
    void setForecastText(const QString& text);

    RunList* m_runs = nullptr;
    QLabel* m_emptyHint = nullptr;
    QMap<int, RunSeries> m_series;  // by run id
    BandKind m_bandKind = BandKind::MinMax;
    bool m_grokked = false;  // the main arm has grokked: nothing left to forecast
    bool m_markersPrefixed = false;  // several runs are shown: marker labels name theirs
    static constexpr int kColumnSpacing = 4;  // the spectrum's two halves use it too
    ChartPanel* m_loss = nullptr;
    ChartPanel* m_accuracy = nullptr;
    ChartPanel* m_norm = nullptr;
    ChartPanel* m_entropy = nullptr;
    ChartPanel* m_alignment = nullptr;
    ChartPanel* m_logits = nullptr;
    QString m_entropyForecastText, m_normEtaText;  // the parts of m_forecastText
    SpectrumPanel* m_spectrum = nullptr;
    QList<ChartPanel*> m_panels;
    QString m_forecastText;
    QTimer m_refreshTimer;
    double m_lastRefreshMs = 0.0;
    double m_maxRefreshMs = 0.0;
    double m_maxReplotMs = 0.0;
    int m_refreshCount = 0;
};

}  // namespace grokscope::ui
