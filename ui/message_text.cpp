#include "message_text.h"

#include <string>

namespace grokscope::ui {

QString oneLine(const QString& text, int maxChars)
{
    QString shown = text;
    if (maxChars > 1 && shown.size() > maxChars) {
        const int head = (maxChars - 1) / 2;
        const int tail = maxChars - 1 - head;
        shown = shown.left(head) + QChar(0x2026) + shown.right(tail);
    }
    for (QChar& c : shown)
        if (c.category() == QChar::Other_Control || c == QChar::LineSeparator || c == QChar::ParagraphSeparator)
            c = QLatin1Char(' ');
    return shown;
}

QString oneLine(const std::string& text, int maxChars)
{
    // Converting 20 MB to UTF-16 only to cut it costs more than the cut: take a few
    // bytes more than needed from each end (a UTF-8 character is at most 4 bytes).
    const size_t keep = 4 * static_cast<size_t>(maxChars);
    if (maxChars > 1 && text.size() > 2 * keep) {
        const QString head = QString::fromUtf8(text.data(), static_cast<qsizetype>(keep));
        const QString tail = QString::fromUtf8(text.data() + text.size() - keep, static_cast<qsizetype>(keep));
        return oneLine(head.left(maxChars) + QChar(0x2026) + QChar(0x2026) + tail.right(maxChars), maxChars);
    }
    return oneLine(QString::fromStdString(text), maxChars);
}

}  // namespace grokscope::ui
