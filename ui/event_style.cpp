#include "event_style.h"

#include <QCoreApplication>

namespace grokscope::ui {

namespace {

QString tr(const char* text) { return QCoreApplication::translate("EventStyle", text); }

std::string label(const RunEvent& event, const std::string& key)
{
    const auto it = event.labels.find(key);
    return it == event.labels.end() ? std::string() : it->second;
}

}  // namespace

EventStyle eventStyle(const RunEvent& event)
{
    const std::string& type = event.type;
    if (type == "memorised")
        return {true, tr("memorised"), QColor(230, 120, 0)};
    if (type == "entropy_threshold_crossed")
        return {true, tr("H̃ < H̃*"), QColor(200, 30, 30)};
    if (type == "entropy_collapse")
        return {true, tr("T_collapse"), QColor(140, 60, 190)};
    if (type == "grokked")
        return {true, tr("T_grok"), QColor(20, 150, 60)};
    if (type == "branched")
        return {true, tr("branch"), QColor(110, 110, 110)};
    if (type == "intervention") {
        const std::string kind = label(event, "kind");
        const bool on = label(event, "state") == "on";
        if (kind == "mixing") {
            const auto alpha = event.values.find("alpha");
            const QString strength = alpha == event.values.end() ? QString() : QStringLiteral(" α=%1").arg(alpha->second);
            return {true, (on ? tr("mixing on") : tr("mixing off")) + (on ? strength : QString()), QColor(160, 90, 40)};
        }
        if (kind == "entropy_floor") {
            const auto target = event.values.find("target");
            const QString floor = target == event.values.end() ? QString() : QStringLiteral(" H̃≥%1").arg(target->second);
            return {true, (on ? tr("floor on") : tr("floor off")) + (on ? floor : QString()), QColor(120, 60, 160)};
        }
        if (kind == "norm_match")
            return {true, on ? tr("norm match on") : tr("norm match off"), QColor(0, 130, 150)};
        return {true, tr("intervention"), QColor(160, 90, 40)};
    }
    if (type == "nan" || type == "failed" || type == "error")
        return {true, tr("failure"), QColor(220, 0, 0)};
    return {false, QString(), QColor()};
}

}  // namespace grokscope::ui
