#pragma once
// Text from a run log or an error, made fit to show: one line, bounded length. A log
// may hold a 20 MB message or a line break in a field, and a list row, a message box
// or a line on stderr that holds it verbatim hangs the layout or breaks the
// one-line-per-error promise.

#include <QString>

#include <string>

namespace grokscope::ui {

// Longest text shown for one event or error; beyond it the middle is elided, which
// keeps the file name at the start and the problem at the end of an error.
inline constexpr int kMaxShownChars = 400;

// `text` on one line (each control character becomes a space), at most `maxChars`
// characters with "…" in place of what was cut.
QString oneLine(const QString& text, int maxChars = kMaxShownChars);
// The same for UTF-8 bytes from the engine, converting only what will be shown.
QString oneLine(const std::string& text, int maxChars = kMaxShownChars);

}  // namespace grokscope::ui
