// grokscope-bench-charts: what a repaint costs with long series (bench/README.md,
// "grokscope-bench-charts"). The target: redrawing 4 charts of 100,000 points each takes
// <= 16 ms, one frame at 60 Hz. One JSON line per figure.
//
// Four ChartPanels, as the main window shows them, each with two series of
// --points points (a noisy decaying curve, like a loss). Timed, each --rounds times:
// - redraw_ms: one new point per series, refresh() (decimation of what is new), then a
//   synchronous replot of all four plots: the work behind one live frame;
// - rezoom_ms: a new step range on all four, which re-decimates every series from
//   scratch, then the synchronous replot.
// Runs on whatever platform Qt picks; QT_QPA_PLATFORM=offscreen needs no display.
// --screenshot FILE saves the four charts as drawn after the last round, to look at.

#include "chart_panel.h"
#include "qcustomplot_include.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QGridLayout>
#include <QRandomGenerator>
#include <QWidget>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

using grokscope::ui::ChartPanel;

namespace {

struct Timing {
    double median = 0.0, p95 = 0.0, max = 0.0;
};

Timing summarise(std::vector<double> ms)
{
    std::sort(ms.begin(), ms.end());
    auto at = [&](double q) { return ms[static_cast<size_t>(std::lround(q * double(ms.size() - 1)))]; };
    return {at(0.5), at(0.95), ms.back()};
}

void print(const char* figure, const Timing& t, int panels, int points, int rounds)
{
    std::printf("{\"figure\":\"%s\",\"median_ms\":%.2f,\"p95_ms\":%.2f,\"max_ms\":%.2f,\"charts\":%d,"
                "\"points_per_series\":%d,\"series_per_chart\":2,\"rounds\":%d,\"platform\":\"%s\"}\n",
                figure, t.median, t.p95, t.max, panels, points, rounds,
                QGuiApplication::platformName().toUtf8().constData());
}

void replotAll(const std::vector<ChartPanel*>& panels)
{
    for (ChartPanel* panel : panels)
        panel->plot()->replot(QCustomPlot::rpImmediateRefresh);
}

}  // namespace

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    int points = 100000, rounds = 30;
    QString screenshot;
    for (int i = 1; i + 1 < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--points")
            points = std::atoi(argv[++i]);
        else if (arg == "--rounds")
            rounds = std::atoi(argv[++i]);
        else if (arg == "--screenshot")
            screenshot = QString::fromLocal8Bit(argv[++i]);
    }
    if (points < 10 || rounds < 1) {
        std::fprintf(stderr, "usage: grokscope-bench-charts [--points N>=10] [--rounds N>=1] [--screenshot FILE]\n");
        return 2;
    }

    QWidget window;
    auto* grid = new QGridLayout(&window);
    std::vector<ChartPanel*> panels;
    const char* titles[] = {"Loss", "Accuracy", "Weight norm", "Entropy"};
    for (int i = 0; i < 4; ++i) {
        auto* panel = new ChartPanel(QString::fromLatin1(titles[i]), QStringLiteral("value"), &window);
        grid->addWidget(panel, i / 2, i % 2);
        panels.push_back(panel);
    }
    QRandomGenerator random(7);
    std::vector<int> series;
    for (ChartPanel* panel : panels) {
        const int train = panel->addSeries(QStringLiteral("train"), Qt::blue);
        const int test = panel->addSeries(QStringLiteral("test"), Qt::red);
        QVector<double> steps(points), a(points), b(points);
        for (int k = 0; k < points; ++k) {
            steps[k] = double(k) * 10.0;
            a[k] = std::exp(-k / 20000.0) + 0.05 * random.generateDouble();
            b[k] = 1.0 - std::exp(-k / 30000.0) + 0.05 * random.generateDouble();
        }
        panel->setSeriesData(train, steps, a);
        panel->setSeriesData(test, steps, b);
        series = {train, test};
    }
    window.resize(1600, 1000);
    window.show();
    for (ChartPanel* panel : panels)
        panel->refresh();
    replotAll(panels);
    QApplication::processEvents();

    std::vector<double> redraw, rezoom, refreshOnly;
    QElapsedTimer timer;
    double nextStep = double(points) * 10.0;
    for (int r = 0; r < rounds; ++r) {
        timer.start();
        for (ChartPanel* panel : panels) {
            for (int s : series)
                panel->appendPoint(s, nextStep, random.generateDouble());
            panel->refresh();
        }
        refreshOnly.push_back(double(timer.nsecsElapsed()) / 1e6);
        replotAll(panels);
        redraw.push_back(double(timer.nsecsElapsed()) / 1e6);
        nextStep += 10.0;
    }
    for (int r = 0; r < rounds; ++r) {
        const double upper = nextStep * (0.5 + 0.5 * double(r % 2));
        timer.start();
        for (ChartPanel* panel : panels) {
            panel->setStepRange(0.0, upper);
            panel->refresh();
        }
        replotAll(panels);
        rezoom.push_back(double(timer.nsecsElapsed()) / 1e6);
    }
    if (!screenshot.isEmpty() && !window.grab().save(screenshot)) {
        std::fprintf(stderr, "cannot write %s\n", qPrintable(screenshot));
        return 1;
    }
    int displayed = 0;
    for (ChartPanel* panel : panels)
        displayed = std::max(displayed, panel->displayedPointCount(series.front()));
    print("redraw_ms", summarise(redraw), 4, points, rounds);
    print("rezoom_ms", summarise(rezoom), 4, points, rounds);
    print("redraw_refresh_part_ms", summarise(refreshOnly), 4, points, rounds);
    std::printf("{\"figure\":\"displayed_points_per_series\",\"value\":%d,\"stored\":%d}\n", displayed,
                panels.front()->pointCount(series.front()));
    return 0;
}
