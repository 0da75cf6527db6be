#pragma once
// All charts on one shared step axis: loss, accuracy, weight norm, H̃, the
// diagnostics (alignment, logit scale) and the spectrum. Turns snapshots and events
// into series and markers, keeps the step axes in sync and coalesces repaints on one
// 40 ms single-shot timer. Which metric goes on which chart, under which legend entry,
// comes from core/metrics/metric_columns.cpp; this class only lays the charts out.

#include "metrics/eval_snapshot.h"

#include <QElapsedTimer>
#include <QList>
#include <QMap>
#include <QTimer>
#include <QWidget>

#include <vector>

class QCustomPlot;

namespace grokscope {
struct RunLog;
enum class MetricChart;
}

namespace grokscope::ui {

class ChartPanel;
class SpectrumPanel;

class ChartBoard : public QWidget {
    Q_OBJECT
public:
    explicit ChartBoard(QWidget* parent = nullptr);

    // Series of one arm of the live session (0 = main, 1 = branch).
    void beginArm(int arm, const QString& label);
    void clearAll();
    void addEvaluation(int arm, const grokscope::EvalSnapshot& snapshot);
    void addSpectrum(int arm, const grokscope::SpectrumSnapshot& snapshot);
    void addEvent(int arm, const grokscope::RunEvent& event);
    // Shows a saved run in full as arm 0 (replay), or as a dashed overlay.
    void showRun(const grokscope::RunLog& log);
    void addOverlay(const grokscope::RunLog& log);
    void clearOverlays();
    int overlayCount() const { return m_overlayCount; }

    void setStepAxisLog(bool logarithmic) { syncStepLog(logarithmic); }
    void setSmoothing(bool enabled);
    void setEntropyThreshold(double value);
    double entropyThreshold() const;
    // "grokking expected at step X (± Y) · norm-decay ETA step Z" from the main arm's
    // latest forecasts, either part alone when only one exists; "" without any.
    QString forecastText() const { return m_forecastText; }

    QList<ChartPanel*> chartPanels() const { return m_panels; }
    SpectrumPanel* spectrumPanel() const { return m_spectrum; }
    // Every figure with its title, in display order, for export.
    QList<QPair<QString, QCustomPlot*>> figures() const;
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

Q_SIGNALS:
    void entropyThresholdChanged(double value);
    void forecastChanged(const QString& text);
    void exportRequested(const QString& title, QCustomPlot* plot);

private:
    // Per row of metricColumns(): the id of its series on its chart, -1 when not charted.
    using SeriesIds = std::vector<int>;

    ChartPanel* panelFor(grokscope::MetricChart chart) const;
    SeriesIds createSeries(const QString& prefix, Qt::PenStyle style, int colourShift);
    void scheduleRefresh();
    void syncStepRange(QObject* source, double lower, double upper);
    void syncStepLog(bool logarithmic);
    void syncAutoRange(bool follow);
    void appendEvaluation(const SeriesIds& ids, const grokscope::EvalSnapshot& snapshot);
    void showForecast(const grokscope::EvalSnapshot& snapshot);
    void setForecastText(const QString& text);

    ChartPanel* m_loss = nullptr;
    ChartPanel* m_accuracy = nullptr;
    ChartPanel* m_norm = nullptr;
    ChartPanel* m_entropy = nullptr;
    ChartPanel* m_alignment = nullptr;
    ChartPanel* m_logits = nullptr;
    QString m_entropyForecastText, m_normEtaText;  // the parts of m_forecastText
    SpectrumPanel* m_spectrum = nullptr;
    QList<ChartPanel*> m_panels;
    QMap<int, SeriesIds> m_arms;
    QList<SeriesIds> m_overlays;
    int m_overlayCount = 0;
    QString m_forecastText;
    QTimer m_refreshTimer;
    double m_lastRefreshMs = 0.0;
    double m_maxRefreshMs = 0.0;
    double m_maxReplotMs = 0.0;
    int m_refreshCount = 0;
};

}  // namespace grokscope::ui
