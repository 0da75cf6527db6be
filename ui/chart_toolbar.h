#pragma once
// The row above every chart (ChartPanel and SpectrumPanel): "log step", an optional
// "smooth" slider (the EMA weight, 0 = off, as TensorBoard's), "follow", any extra widget
// the chart adds (the H̃* spin box), and "Export…".
//
// It also keeps the step axis' follow state in step with the user: dragging or zooming
// the step (or value) axis turns "follow" off, a double-click on the plot turns it back
// on, and a user's pan or zoom of the step axis is reported so that ChartBoard can give
// every chart the same range. Ranges the chart sets itself are made inside a
// ProgrammaticRange scope and are not reported.

#include <QWidget>

class QCheckBox;
class QCPAxis;
class QCustomPlot;
class QHBoxLayout;
class QLabel;
class QSlider;
class QToolButton;

namespace grokscope::ui {

class ChartToolbar : public QWidget {
    Q_OBJECT
public:
    enum class Smoothing { Offered, NotOffered };
    explicit ChartToolbar(Smoothing smoothing, QWidget* parent = nullptr);

    // The step axis whose scale "log step" sets and whose user ranges are reported,
    // and the plot whose double-click turns "follow" back on.
    void watchStepAxis(QCPAxis* stepAxis, QCustomPlot* plot);
    // A value axis that the user may drag or zoom: doing so turns "follow" off.
    void watchValueAxis(QCPAxis* valueAxis);
    // Placed between the stretch and "Export…".
    void addTrailingWidget(QWidget* widget);

    // The setters below change the state and the boxes without emitting anything.
    bool follow() const { return m_follow; }
    void setFollow(bool follow);
    bool stepAxisLog() const { return m_stepLog; }
    // Also sets the watched step axis' scale and ticker.
    void setStepAxisLog(bool logarithmic);
    // The slider moves in steps of 0.01 from 0 to EmaSmoother::kMaxWeight.
    static constexpr int kSmoothingSliderSteps = 99;
    double smoothingWeight() const;
    void setSmoothingWeight(double weight);

    QCheckBox* stepLogBox() const { return m_logStepBox; }
    QSlider* smoothingSlider() const { return m_smoothSlider; }  // null when not offered
    QLabel* smoothingLabel() const { return m_smoothValue; }     // "smooth 0.60", or "smooth off"
    QCheckBox* followBox() const { return m_followBox; }
    QToolButton* exportButton() const { return m_exportButton; }

    // While one lives, range changes on the watched axes are the chart's own.
    class ProgrammaticRange {
    public:
        explicit ProgrammaticRange(ChartToolbar& toolbar) : m_toolbar(toolbar), m_was(toolbar.m_applyingRange)
        {
            m_toolbar.m_applyingRange = true;
        }
        ~ProgrammaticRange() { m_toolbar.m_applyingRange = m_was; }
        ProgrammaticRange(const ProgrammaticRange&) = delete;
        ProgrammaticRange& operator=(const ProgrammaticRange&) = delete;

    private:
        ChartToolbar& m_toolbar;
        bool m_was;
    };

Q_SIGNALS:
    // The user's actions. followToggled also comes from a drag or zoom (false) and a
    // double-click (true); stepRangeChangedByUser comes after it for a drag or zoom.
    void stepAxisLogToggled(bool logarithmic);
    void smoothingWeightChanged(double weight);
    void followToggled(bool follow);
    void stepRangeChangedByUser(double lower, double upper);
    void exportRequested();

protected:
    // The wheel over the unfocused slider scrolls the charts' area instead (wheel_guard.h).
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void userMovedAnAxis();
    void showSmoothingWeight();

    QHBoxLayout* m_layout = nullptr;
    QCheckBox* m_logStepBox = nullptr;
    QSlider* m_smoothSlider = nullptr;
    QLabel* m_smoothValue = nullptr;
    QCheckBox* m_followBox = nullptr;
    QToolButton* m_exportButton = nullptr;
    QCPAxis* m_stepAxis = nullptr;
    bool m_follow = true;
    bool m_stepLog = false;
    bool m_applyingRange = false;
};

}  // namespace grokscope::ui
