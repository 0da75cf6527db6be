#include "app_palette.h"

#include <QApplication>
#include <QStyleFactory>

namespace grokscope::ui {

QPalette paletteFor(Theme theme)
{
    if (theme == Theme::Light) {
        QPalette p(QColor(239, 239, 239));
        p.setColor(QPalette::Base, Qt::white);
        p.setColor(QPalette::Text, QColor(20, 20, 20));
        p.setColor(QPalette::WindowText, QColor(20, 20, 20));
        p.setColor(QPalette::ButtonText, QColor(20, 20, 20));
        p.setColor(QPalette::Highlight, QColor(48, 140, 198));
        p.setColor(QPalette::HighlightedText, Qt::white);
        return p;
    }
    QPalette p;
    const QColor window(45, 45, 48), base(30, 30, 32), text(225, 225, 225), disabled(120, 120, 120);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::ToolTipBase, QColor(60, 60, 64));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, disabled);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(255, 90, 90));
    p.setColor(QPalette::Link, QColor(90, 170, 240));
    p.setColor(QPalette::Highlight, QColor(48, 140, 198));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Disabled, QPalette::Text, disabled);
    p.setColor(QPalette::Disabled, QPalette::WindowText, disabled);
    p.setColor(QPalette::Disabled, QPalette::ButtonText, disabled);
    return p;
}

void applyTheme(Theme theme)
{
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QApplication::setPalette(paletteFor(theme));
}

}  // namespace grokscope::ui
