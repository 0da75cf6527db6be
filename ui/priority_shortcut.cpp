#include "priority_shortcut.h"

#include <QAction>
#include <QApplication>
#include <QKeyEvent>
#include <QWidget>

namespace grokscope::ui {

PriorityShortcut* PriorityShortcut::install(QAction* action, QWidget* window)
{
    auto* shortcut = new PriorityShortcut(action, window);
    qApp->installEventFilter(shortcut);
    return shortcut;
}

PriorityShortcut::PriorityShortcut(QAction* action, QWidget* window)
    : QObject(action), m_action(action), m_window(window)
{
}

bool PriorityShortcut::eventFilter(QObject* watched, QEvent* event)
{
    if (event->type() != QEvent::ShortcutOverride || !m_action || !m_action->isEnabled())
        return false;
    auto* widget = qobject_cast<QWidget*>(watched);
    if (!widget || !m_window || widget->window() != m_window)
        return false;
    auto* key = static_cast<QKeyEvent*>(event);
    const QKeySequence pressed(key->keyCombination());
    for (const QKeySequence& shortcut : m_action->shortcuts())
        if (shortcut.matches(pressed) == QKeySequence::ExactMatch) {
            // Not overridden: the shortcut map goes on to trigger the action.
            event->ignore();
            return true;
        }
    return false;
}

}  // namespace grokscope::ui
