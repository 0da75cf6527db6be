// A new GUI run's folder is one plain level under the runs folder, whatever the
// config's name holds.
#include "run_folder_name.h"

#include "io/input_file.h"

#include <QTest>

using grokscope::ui::newRunFolderName;

class TestRunFolderName : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void isOnePlainLevel_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("plain") << QStringLiteral("z97-add");
        QTest::newRow("parent") << QStringLiteral("..");
        QTest::newRow("climbs") << QStringLiteral("../../etc/x");
        QTest::newRow("absolute") << QStringLiteral("/tmp/x");
        QTest::newRow("backslash") << QStringLiteral("..\\..\\x");
        QTest::newRow("control") << QStringLiteral("a\nb\tc\x01");
        QTest::newRow("unicode") << QStringLiteral("Zₚ 𝔖₅ ü");
        QTest::newRow("empty") << QString();
        QTest::newRow("long") << QString(1000, QLatin1Char('a'));
        QTest::newRow("long unicode") << QString(300, QChar(0x00fc));
    }

    void isOnePlainLevel()
    {
        QFETCH(QString, name);
        const QDateTime when(QDate(2024, 5, 6), QTime(7, 8, 9, 10));
        const QString folder = newRunFolderName(name, 18446744073709551615ULL, when);
        QVERIFY(folder.endsWith(QStringLiteral("-seed18446744073709551615-20240506-070809-010")));
        // With the "-branch" a second arm adds, it is still a plain name.
        for (const QString& candidate : {folder, folder + QStringLiteral("-branch")}) {
            const auto problem = grokscope::plainNameProblem(candidate.toStdString());
            QVERIFY2(!problem, qPrintable(candidate + QStringLiteral(": ") + QString::fromStdString(problem.value_or(""))));
        }
    }

    void keepsTheReadableName()
    {
        const QDateTime when(QDate(2024, 5, 6), QTime(7, 8, 9, 10));
        QCOMPARE(newRunFolderName(QStringLiteral("z97-add"), 3, when), QStringLiteral("z97-add-seed3-20240506-070809-010"));
        QCOMPARE(newRunFolderName(QStringLiteral("../x y"), 3, when), QStringLiteral(".._x_y-seed3-20240506-070809-010"));
        QCOMPARE(newRunFolderName(QString(), 3, when), QStringLiteral("run-seed3-20240506-070809-010"));
    }
};

QTEST_MAIN(TestRunFolderName)
#include "tst_run_folder_name.moc"
