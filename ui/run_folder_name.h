#pragma once
// The folder a new GUI run is written to, one plain level under the runs folder.

#include <QDateTime>
#include <QString>

namespace grokscope::ui {

// At most this many characters of the config's name go into a folder name, so that
// the name with its seed, time stamp and a later "-branch" stays within the 200 bytes
// that plainNameProblem allows.
inline constexpr int kMaxNameCharsInFolder = 120;

// "<name>-seed<seed>-<yyyyMMdd-HHmmss-zzz>", with every character of the name outside
// [A-Za-z0-9_.-] replaced by '_' (so "../x" cannot climb out of the runs folder) and
// the name cut to kMaxNameCharsInFolder; an empty name becomes "run".
QString newRunFolderName(const QString& name, unsigned long long seed, const QDateTime& when);

}  // namespace grokscope::ui
