// Keeps the layering honest (style guide): core/ includes no Qt header at all,
// ui/ includes no torch header, and no public core header includes torch.

#include <QtTest>
#include <QDirIterator>
#include <QRegularExpression>

namespace {

// "path:line: #include ..." for every include in `dir` matching `pattern`.
QStringList offendingIncludes(const QString& dir, const QRegularExpression& pattern, const QStringList& nameFilters)
{
    QStringList offences;
    QDirIterator it(dir, nameFilters, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
            continue;
        int lineNumber = 0;
        while (!file.atEnd()) {
            const QString line = QString::fromUtf8(file.readLine()).trimmed();
            ++lineNumber;
            if (line.startsWith("#include") && pattern.match(line).hasMatch())
                offences << QString("%1:%2: %3").arg(path).arg(lineNumber).arg(line);
        }
    }
    return offences;
}

const QString kSource = QStringLiteral(GROKSCOPE_SOURCE_DIR);

}  // namespace

class TestArchitecture : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void coreIncludesNoQt()
    {
        const QStringList offences = offendingIncludes(kSource + "/core", QRegularExpression("<Q[A-Za-z]*[>/]"),
                                                       {"*.h", "*.cpp"});
        QVERIFY2(offences.isEmpty(), qPrintable(offences.join('\n')));
    }

    void uiIncludesNoTorch()
    {
        if (!QDir(kSource + "/ui").exists())
            QSKIP("no ui/ directory in this checkout");
        const QStringList offences = offendingIncludes(kSource + "/ui", QRegularExpression("[<\"](torch|ATen|c10)/"),
                                                       {"*.h", "*.cpp"});
        QVERIFY2(offences.isEmpty(), qPrintable(offences.join('\n')));
    }

    void publicCoreHeadersIncludeNoTorch()
    {
        // Only model/ and train/adamw.h are internal (torch) headers; everything the
        // UI, CLI and tests include must stay torch-free.
        QStringList offences = offendingIncludes(kSource + "/core", QRegularExpression("[<\"](torch|ATen|c10)/"), {"*.h"});
        offences = offences.filter(QRegularExpression("^(?!.*/core/model/)(?!.*/core/train/adamw\\.h)"));
        QVERIFY2(offences.isEmpty(), qPrintable(offences.join('\n')));
    }

    void theDetectorWorksOnThisTree()
    {
        // The check must be able to fail: the internal model header does include torch.
        QVERIFY(!offendingIncludes(kSource + "/core/model", QRegularExpression("[<\"]torch/"), {"*.h"}).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestArchitecture)
#include "tst_architecture.moc"
