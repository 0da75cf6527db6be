#pragma once
// Translucent bands of a ChartPanel: the spread of an experiment arm's seeds (min–max or
// a confidence interval) around its mean. Each band is two QCPGraphs, its lower and upper
// bound, with the upper one's channel fill reaching down to the lower. They sit on a
// "bands" layer under the curves, stay out of the legend, and count in the value range.

#include <QColor>
#include <QVector>

#include <optional>
#include <utility>
#include <vector>

class QCPGraph;
class QCPLayer;
class QCustomPlot;

namespace grokscope::ui {

class ChartBandSet {
public:
    static constexpr int kFillAlpha = 45;  // of 255: seed lines and the mean show through

    // Adds the "bands" layer below the main one.
    explicit ChartBandSet(QCustomPlot* plot);
    ~ChartBandSet();

    int add(const QColor& color);
    bool remove(int id);
    void clear();
    // The three vectors must have the same length; steps sorted ascending. False for an
    // unknown id or mismatched lengths.
    bool setData(int id, const QVector<double>& steps, const QVector<double>& lower, const QVector<double>& upper);
    bool setVisible(int id, bool visible);
    bool setColor(int id, const QColor& color);
    int count() const { return static_cast<int>(m_bands.size()); }
    // The bound graphs (for tests); null for an unknown id.
    QCPGraph* lowerGraph(int id) const;
    QCPGraph* upperGraph(int id) const;

    // Over the shown bands, as ChartSeriesSet's namesakes.
    std::optional<std::pair<double, double>> stepExtent(bool logStep) const;
    std::optional<std::pair<double, double>> valueExtent(double stepLower, double stepUpper, bool logValue) const;

private:
    struct Band {
        int id = 0;
        QCPGraph* lower = nullptr;
        QCPGraph* upper = nullptr;
        QVector<double> steps, lowerValues, upperValues;
        bool visible = true;
    };
    Band* find(int id);
    const Band* find(int id) const;
    static void style(Band& band, const QColor& color);

    QCustomPlot* m_plot;
    QCPLayer* m_layer = nullptr;
    std::vector<Band> m_bands;
    int m_nextId = 0;
};

}  // namespace grokscope::ui
