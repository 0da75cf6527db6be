// Min/max bucket decimation keeps extremes and bounds the point count; the block
// index gives the same answer as scanning every point.
#include "decimation.h"

#include <QRandomGenerator>
#include <QTest>

#include <cmath>
#include <limits>

using grokscope::ui::decimateMinMax;
using grokscope::ui::DecimatedSeries;
using grokscope::ui::IndexedValues;

namespace {

IndexedValues indexed(const QVector<double>& values)
{
    IndexedValues out;
    out.assign(values);
    return out;
}

// The definition, one point at a time: per bucket the first smallest and first largest
// finite value in key order, or the bucket's first point when none is finite.
DecimatedSeries scanEveryPoint(const QVector<double>& keys, const QVector<double>& values, double keyLow,
                               double keyHigh, int buckets)
{
    const int n = static_cast<int>(keys.size());
    int first = 0, last = n;
    while (first < n && keys[first] < keyLow)
        ++first;
    while (last > 0 && keys[last - 1] > keyHigh)
        --last;
    first = std::max(0, first - 1);
    last = std::min(n, last + 1);
    DecimatedSeries out;
    const double width = (keyHigh - keyLow) / buckets;
    for (int i = first; i < last;) {
        const double bucket = std::floor((keys[i] - keyLow) / width);
        int j = i, minAt = -1, maxAt = -1;
        for (; j < last && (j == i || std::floor((keys[j] - keyLow) / width) <= bucket); ++j) {
            if (!std::isfinite(values[j]))
                continue;
            if (minAt < 0 || values[j] < values[minAt])
                minAt = j;
            if (maxAt < 0 || values[j] > values[maxAt])
                maxAt = j;
        }
        QVector<int> picks;
        if (minAt < 0)
            picks = {i};
        else if (minAt == maxAt)
            picks = {minAt};
        else
            picks = {std::min(minAt, maxAt), std::max(minAt, maxAt)};
        for (int k : picks) {
            out.keys.append(keys[k]);
            out.values.append(values[k]);
        }
        i = j;
    }
    return out;
}

}  // namespace

class TestDecimation : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void smallSeriesPassThrough()
    {
        const QVector<double> keys{0, 1, 2, 3}, values{4, 3, 2, 1};
        const auto out = decimateMinMax(keys, indexed(values), 0, 3, 10);
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
        const auto out = decimateMinMax(keys, indexed(values), 0, 99999, 500);
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
        const auto out = decimateMinMax(keys, indexed(values), 1000, 2000, 100);
        QVERIFY(out.keys.front() <= 1000);
        QVERIFY(out.keys.back() >= 2000);
        QVERIFY(out.keys.size() <= 2 * 100 + 4);
    }

    // Uneven key spacing, repeated values (first occurrences matter), NaN and inf runs,
    // windows that start and end inside blocks: the indexed result equals the scan.
    void indexedEqualsScanningEveryPoint()
    {
        QRandomGenerator random(11);
        QVector<double> keys, values;
        double key = 0.0;
        for (int i = 0; i < 30011; ++i) {
            key += 1.0 + random.bounded(3);
            keys.append(key);
            const int kind = random.bounded(100);
            values.append(kind < 2 ? std::numeric_limits<double>::quiet_NaN()
                          : kind < 3 ? std::numeric_limits<double>::infinity()
                                     : double(random.bounded(50)) - 20.0);
        }
        for (int i = 5000; i < 5300; ++i)
            values[i] = std::numeric_limits<double>::quiet_NaN();  // buckets with nothing finite
        const IndexedValues index = indexed(values);
        const double windows[][2] = {{0.0, key}, {1234.5, 50017.0}, {keys[77], keys[29000]}};
        for (const auto& w : windows)
            for (int buckets : {100, 333, 1000}) {
                const DecimatedSeries got = decimateMinMax(keys, index, w[0], w[1], buckets);
                const DecimatedSeries want = scanEveryPoint(keys, values, w[0], w[1], buckets);
                QCOMPARE(got.keys, want.keys);
                QCOMPARE(got.values.size(), want.values.size());
                for (int k = 0; k < got.values.size(); ++k)
                    QVERIFY(got.values[k] == want.values[k] || (std::isnan(got.values[k]) && std::isnan(want.values[k])));
            }
    }

    void windowExtremesSkipNonFinite()
    {
        const double nan = std::numeric_limits<double>::quiet_NaN();
        QVector<double> values;
        for (int i = 0; i < 100; ++i)
            values.append(i == 40 ? -3.0 : i == 41 ? nan : i == 70 ? 9.0 : i == 71 ? -std::numeric_limits<double>::infinity() : 0.5);
        values[90] = 9.0;  // a later tie: the first occurrence wins
        const IndexedValues index = indexed(values);
        IndexedValues::Extremes e = index.find(0, 100);
        QCOMPARE(e.minAt, 40);
        QCOMPARE(e.maxAt, 70);
        QCOMPARE(e.minPositiveAt, 0);
        e = index.find(41, 42);
        QCOMPARE(e.minAt, -1);
        QCOMPARE(e.maxAt, -1);
        e = index.find(71, 100);
        QCOMPARE(e.minAt, 72);
        QCOMPARE(e.maxAt, 90);
        e = index.find(33, 33);
        QCOMPARE(e.minAt, -1);
    }
};

QTEST_GUILESS_MAIN(TestDecimation)
#include "tst_decimation.moc"
