#include "run_folder_name.h"

#include <QRegularExpression>

namespace grokscope::ui {

QString newRunFolderName(const QString& name, unsigned long long seed, const QDateTime& when)
{
    QString safe = name.left(kMaxNameCharsInFolder);
    safe.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9_.-]+")), QStringLiteral("_"));
    if (safe.isEmpty())
        safe = QStringLiteral("run");
    return safe + QStringLiteral("-seed") + QString::number(seed) + QLatin1Char('-')
           + when.toString(QStringLiteral("yyyyMMdd-HHmmss-zzz"));
}

}  // namespace grokscope::ui
