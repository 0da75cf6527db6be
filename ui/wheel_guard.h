#pragma once
// Spin boxes and combo boxes take the mouse wheel only once they have focus (clicked or
// tabbed to). Unfocused, the wheel passes to the scroll area or dock around them, so
// scrolling a panel never turns a live lever by accident (issue 19, defect 1: a scroll
// over the floor target moved it 0.75 → 0.80 in five events).

class QWidget;

namespace grokscope::ui {

// Guards every QAbstractSpinBox and QComboBox under `root` (created so far): strong
// focus instead of wheel focus, and a wheel event over them while unfocused is ignored,
// so Qt hands it to their parents. Calling it again on a root, or on a widget already
// guarded through an ancestor, is harmless.
void installWheelGuard(QWidget* root);

}  // namespace grokscope::ui
