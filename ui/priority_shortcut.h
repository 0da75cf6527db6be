#pragma once
// Lets a window's action keep its shortcut while a text field has focus. A QLineEdit
// (and every spin box, through its line edit) accepts the ShortcutOverride of the
// keys it could use: on X11 Ctrl+E is "move to end of line", so File → Export all
// charts (Ctrl+E) did nothing while the config editor had focus. The key still
// reaches the field when the action is disabled or belongs to another window.

#include <QObject>
#include <QPointer>

class QAction;
class QWidget;

namespace grokscope::ui {

class PriorityShortcut : public QObject {
    Q_OBJECT
public:
    // For the widgets of `window`; watches the application's events for as long as
    // `action` lives (it is the parent).
    static PriorityShortcut* install(QAction* action, QWidget* window);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    PriorityShortcut(QAction* action, QWidget* window);

    QPointer<QAction> m_action;
    QPointer<QWidget> m_window;
};

}  // namespace grokscope::ui
