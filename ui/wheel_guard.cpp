#include "wheel_guard.h"

#include <QAbstractSpinBox>
#include <QComboBox>
#include <QEvent>
#include <QWidget>

namespace grokscope::ui {

namespace {

const char* const kGuardName = "grokscopeWheelGuard";

// One per root, a child of it, so it lives as long as the widgets it filters.
class WheelGuard : public QObject {
public:
    explicit WheelGuard(QObject* parent) : QObject(parent) { setObjectName(QLatin1String(kGuardName)); }

    void guard(QWidget* widget)
    {
        widget->setFocusPolicy(Qt::StrongFocus);  // their default, WheelFocus, lets the wheel take focus
        widget->installEventFilter(this);
    }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (event->type() != QEvent::Wheel)
            return false;
        const auto* widget = static_cast<QWidget*>(watched);
        if (widget->hasFocus())
            return false;
        // Consumed here but not accepted: QApplication::notify then offers a wheel event
        // from the window system to the parents, and the enclosing scroll area scrolls.
        event->ignore();
        return true;
    }
};

}  // namespace

void installWheelGuard(QWidget* root)
{
    // No Q_OBJECT, so no qobject_cast: found by name, checked by RTTI.
    auto* guard = dynamic_cast<WheelGuard*>(
        root->findChild<QObject*>(QLatin1String(kGuardName), Qt::FindDirectChildrenOnly));
    if (!guard)
        guard = new WheelGuard(root);
    const auto spinBoxes = root->findChildren<QAbstractSpinBox*>();
    for (QAbstractSpinBox* spin : spinBoxes)
        guard->guard(spin);
    const auto comboBoxes = root->findChildren<QComboBox*>();
    for (QComboBox* combo : comboBoxes)
        guard->guard(combo);
}

}  // namespace grokscope::ui
