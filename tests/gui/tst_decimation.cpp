// Min/max bucket decimation keeps extremes and bounds the point count.
#include "decimation.h"

#include <QTest>

using grokscope::ui::decimateMinMax;

class TestDecimation : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void smallSeriesPassThrough()
    {
        const QVector<double> keys{0, 1, 2, 3}, values{4, 3, 2, 1};
        const auto out = decimateMinMax(keys, values, 0, 3, 10);
        QCOMPARE(out.keys, keys);
        QCOMPARE(out.values, values);
    }

    void longSeriesKeepsSpikes()
    {
        QVector<double> keys, values;
        for (int i = 0; i < 100000; ++i) {
            keys.append(i);
            values.append(i == 54321 ? 100.0 : i == 777 ? -50.0 : std::sin(i * 0.01));
        }
        const auto out = decimateMinMax(keys, values, 0, 99999, 500);
        QVERIFY(out.keys.size() <= 2 * 500 + 4);
        QVERIFY(out.values.contains(100.0));
        QVERIFY(out.values.contains(-50.0));
        QVERIFY(std::is_sorted(out.keys.begin(), out.keys.end()));
    }

    void windowKeepsNeighbours()
    {
        QVector<double> keys, values;
        for (int i = 0; i < 20000; ++i) {
            keys.append(i);
            values.append(i);
        }
        const auto out = decimateMinMax(keys, values, 1000, 2000, 100);
        QVERIFY(out.keys.front() <= 1000);
        QVERIFY(out.keys.back() >= 2000);
        QVERIFY(out.keys.size() <= 2 * 100 + 4);
    }
};

QTEST_GUILESS_MAIN(TestDecimation)
#include "tst_decimation.moc"
