#include "run_list.h"

#include <QCoreApplication>

#include <algorithm>
#include <cmath>

namespace grokscope::ui {

const std::vector<QColor>& runColourCycle()
{
    // Tableau 10 without its green and cyan (T_grok's marker and the forecast).
    static const std::vector<QColor> cycle = {
        QColor(31, 119, 180), QColor(255, 127, 14), QColor(214, 39, 40),  QColor(148, 103, 189),
        QColor(140, 86, 75),  QColor(227, 119, 194), QColor(127, 127, 127), QColor(188, 189, 34),
    };
    return cycle;
}

namespace {

// Beyond the cycle: hues a golden angle apart, skipping the greens and teals.
QColor generatedColour(int index)
{
    double hue = std::fmod(20.0 + index * 137.507764, 360.0);
    if (hue > 90.0 && hue < 200.0)
        hue = std::fmod(hue + 110.0, 360.0);
    return QColor::fromHsvF(hue / 360.0, 0.70, 0.80);
}

bool sameColour(const QColor& a, const QColor& b) { return a.rgb() == b.rgb(); }

}  // namespace

RunList::RunList(QObject* parent) : QObject(parent) {}

QColor RunList::freeColour() const
{
    auto used = [this](const QColor& colour) {
        return std::any_of(m_runs.begin(), m_runs.end(),
                           [&](const ShownRun& run) { return sameColour(run.colour, colour); });
    };
    for (const QColor& colour : runColourCycle())
        if (!used(colour))
            return colour;
    for (int index = 0;; ++index)
        if (const QColor colour = generatedColour(index); !used(colour))
            return colour;
}

int RunList::add(RunSource source, const QString& name, const QString& directory, int parent, int liveArm)
{
    ShownRun run;
    run.id = m_nextId++;
    run.source = source;
    run.name = name;
    run.directory = directory;
    run.parent = parent;
    run.liveArm = liveArm;
    const ShownRun* arm = source == RunSource::ExperimentSeed ? find(parent) : nullptr;
    run.colour = arm ? arm->colour : freeColour();
    // Children follow their arm (and its earlier children) in the list.
    auto position = m_runs.end();
    if (arm) {
        position = std::find_if(m_runs.begin(), m_runs.end(), [&](const ShownRun& r) { return r.id == parent; });
        while (position != m_runs.end() && (position->id == parent || position->parent == parent))
            ++position;
    }
    m_runs.insert(position, run);
    Q_EMIT runAdded(run.id);
    return run.id;
}

bool RunList::remove(int id)
{
    if (!find(id))
        return false;
    for (int child : children(id))
        remove(child);
    Q_EMIT runAboutToBeRemoved(id);
    m_runs.erase(std::find_if(m_runs.begin(), m_runs.end(), [id](const ShownRun& r) { return r.id == id; }));
    Q_EMIT runRemoved(id);
    return true;
}

void RunList::removeAll(std::initializer_list<RunSource> sources)
{
    std::vector<int> doomed;
    for (const ShownRun& run : m_runs)
        if (std::find(sources.begin(), sources.end(), run.source) != sources.end() && run.parent < 0)
            doomed.push_back(run.id);
    for (int id : doomed)
        remove(id);
}

void RunList::setName(int id, const QString& name)
{
    ShownRun* run = findMutable(id);
    const QString trimmed = name.trimmed();
    if (!run || trimmed.isEmpty() || run->name == trimmed)
        return;
    run->name = trimmed;
    Q_EMIT runChanged(id);
}

void RunList::setVisible(int id, bool visible)
{
    ShownRun* run = findMutable(id);
    if (!run || run->visible == visible)
        return;
    run->visible = visible;
    Q_EMIT runChanged(id);
    for (int child : children(id))  // a seed's shown state depends on its arm's toggle
        Q_EMIT runChanged(child);
}

const ShownRun* RunList::find(int id) const
{
    const auto it = std::find_if(m_runs.begin(), m_runs.end(), [id](const ShownRun& r) { return r.id == id; });
    return it == m_runs.end() ? nullptr : &*it;
}

ShownRun* RunList::findMutable(int id) { return const_cast<ShownRun*>(find(id)); }

int RunList::liveArmRun(int arm) const
{
    for (const ShownRun& run : m_runs)
        if ((run.source == RunSource::LiveArm || run.source == RunSource::Saved) && run.liveArm == arm)
            return run.id;
    return -1;
}

std::vector<int> RunList::children(int parent) const
{
    std::vector<int> ids;
    for (const ShownRun& run : m_runs)
        if (run.parent == parent && parent >= 0)
            ids.push_back(run.id);
    return ids;
}

bool RunList::isShown(int id) const
{
    const ShownRun* run = find(id);
    if (!run || !run->visible)
        return false;
    return run->parent < 0 || isShown(run->parent);
}

QString shortRunName(const QString& configName, long modelSeed)
{
    return QCoreApplication::translate("RunList", "%1 s%2").arg(configName).arg(modelSeed);
}

}  // namespace grokscope::ui
