#pragma once
// The one model of "what is on the charts": every run shown (the live arms, the opened
// run, overlaid runs, and the runs and arms of an opened experiment) with its short
// name, its colour and whether it is shown. The charts, the spectrum panel, the event
// list and the run list dock (run_list_dock.h) all follow it, so a name, a colour or a
// visibility is decided here once.
//
// Colours: every run gets the first hue of runColourCycle() that no other run uses;
// the runs of one experiment arm share their arm's hue (they are told apart by arm, not
// by seed), so hues never collide between runs that are not meant to look alike.

#include <QColor>
#include <QObject>
#include <QString>

#include <vector>

namespace grokscope::ui {

enum class RunSource {
    LiveArm,         // an arm of the training session (0 = main, 1 = branch)
    Saved,           // the saved run opened (File → Open / Replay)
    Overlay,         // a saved run overlaid on the others
    ExperimentArm,   // one arm of an opened experiment: its mean and band
    ExperimentSeed,  // one run of an experiment arm
};

struct ShownRun {
    int id = -1;
    RunSource source = RunSource::Saved;
    QString name;       // short and editable: "z97-add s0", "arm 2", "baseline"
    QString directory;  // the run's folder; the experiment's for an ExperimentArm
    QColor colour;
    bool visible = true;
    int parent = -1;    // an ExperimentSeed's ExperimentArm
    int liveArm = -1;   // a LiveArm's arm index; 0 for a Saved run being replayed
};

// The hues runs are given, in order: distinct on white and on dark grey, and none of
// them the green or teal of the T_grok marker and the forecast (event_style.h).
const std::vector<QColor>& runColourCycle();

class RunList : public QObject {
    Q_OBJECT
public:
    explicit RunList(QObject* parent = nullptr);

    // Adds a run and returns its id. An ExperimentSeed takes its parent's colour; any
    // other run the first free one.
    int add(RunSource source, const QString& name, const QString& directory = QString(), int parent = -1,
            int liveArm = -1);
    // Removes the run (and an arm's seeds); false for an unknown id.
    bool remove(int id);
    // Removes every run from these sources, e.g. the live arms on Reset.
    void removeAll(std::initializer_list<RunSource> sources);

    void setName(int id, const QString& name);
    void setVisible(int id, bool visible);

    const ShownRun* find(int id) const;
    // The run that the session's (or a replay's) arm `arm` feeds, or -1.
    int liveArmRun(int arm) const;
    // The runs in the order they were added; children follow their arm.
    const std::vector<ShownRun>& runs() const { return m_runs; }
    std::vector<int> children(int parent) const;
    // Shown: its own toggle is on and so is its arm's.
    bool isShown(int id) const;
    int count() const { return static_cast<int>(m_runs.size()); }

Q_SIGNALS:
    void runAdded(int id);
    void runAboutToBeRemoved(int id);
    void runRemoved(int id);
    // The name or the visibility changed.
    void runChanged(int id);

private:
    QColor freeColour() const;
    ShownRun* findMutable(int id);

    std::vector<ShownRun> m_runs;
    int m_nextId = 0;
};

// "z97-add s0" for a run of preset z97-add with model seed 0.
QString shortRunName(const QString& configName, long modelSeed);

}  // namespace grokscope::ui
