#include "app_palette.h"

#include <QApplication>
#include <QStyleFactory>

namespace grokscope::ui {

namespace {

// The Disabled group, set role by role: QPalette::setColor(role, colour) writes every
// group, so a palette built that way shows disabled widgets as if active (issue 19,
// defect 2). Disabled text keeps a WCAG contrast of about 3.4:1 on its background
// (readable; WCAG's minimum for UI components is 3:1), against 10–18:1 when active,
// and disabled fields and buttons go flat, so a locked control is told apart at a glance.
struct DisabledColours {
    QColor text;       // Text, WindowText, ButtonText
    QColor base;       // Base of fields, tables and lists
    QColor button;
    QColor highlight;  // a selection in a disabled view, drained of colour
    QColor highlightedText;
    QColor placeholder;
};

void setDisabled(QPalette& p, const DisabledColours& c)
{
    for (QPalette::ColorRole role : {QPalette::Text, QPalette::WindowText, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, c.text);
    p.setColor(QPalette::Disabled, QPalette::Base, c.base);
    p.setColor(QPalette::Disabled, QPalette::AlternateBase, c.base);
    p.setColor(QPalette::Disabled, QPalette::Button, c.button);
    p.setColor(QPalette::Disabled, QPalette::Highlight, c.highlight);
    p.setColor(QPalette::Disabled, QPalette::HighlightedText, c.highlightedText);
    p.setColor(QPalette::Disabled, QPalette::PlaceholderText, c.placeholder);
    p.setColor(QPalette::Disabled, QPalette::Link, c.text);
}

QPalette lightPalette()
{
    const QColor window(239, 239, 239), text(20, 20, 20);
    QPalette p(window);  // derives the bevel shades (Light, Mid, Dark, Shadow) from the button colour
    p.setColor(QPalette::Base, Qt::white);
    p.setColor(QPalette::Text, text);  // 18.4:1 on Base
    p.setColor(QPalette::WindowText, text);  // 16.0:1 on Window
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::PlaceholderText, QColor(110, 110, 110));
    p.setColor(QPalette::Highlight, QColor(48, 140, 198));
    p.setColor(QPalette::HighlightedText, Qt::white);
    // Grey 128 on the window grey: 3.4:1. Disabled fields take the window's colour.
    setDisabled(p, {QColor(128, 128, 128), window, window, QColor(150, 150, 150), Qt::white, QColor(160, 160, 160)});
    return p;
}

QPalette darkPalette()
{
    QPalette p;
    const QColor window(45, 45, 48), base(30, 30, 32), text(225, 225, 225);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);  // 10.5:1
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::ToolTipBase, QColor(60, 60, 64));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(140, 140, 140));
    p.setColor(QPalette::Text, text);  // 12.7:1
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(255, 90, 90));
    p.setColor(QPalette::Link, QColor(90, 170, 240));
    p.setColor(QPalette::Highlight, QColor(48, 140, 198));
    p.setColor(QPalette::HighlightedText, Qt::white);
    // Grey 125: 3.7:1 on the disabled base, 3.3:1 on the window grey.
    setDisabled(p, {QColor(125, 125, 125), QColor(38, 38, 40), window, QColor(75, 75, 80), QColor(170, 170, 170),
                    QColor(95, 95, 95)});
    return p;
}

}  // namespace

QPalette paletteFor(Theme theme) { return theme == Theme::Light ? lightPalette() : darkPalette(); }

void applyTheme(Theme theme)
{
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QApplication::setPalette(paletteFor(theme));
}

}  // namespace grokscope::ui
