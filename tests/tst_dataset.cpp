// The train/test split is a pure function of the data seed.

#include "tasks/dataset.h"

#include <QtTest>
#include <set>

using namespace grokscope;

class TestDataset : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void splitIsReproducibleAndSeeded()
    {
        TaskConfig task;  // z97-add, 30% train
        const Dataset first = buildDataset(task, MetricsConfig{});
        const Dataset again = buildDataset(task, MetricsConfig{});
        QCOMPARE(first.trainPairs, again.trainPairs);
        QCOMPARE(first.probePairs, again.probePairs);
        task.dataSeed = 1;
        const Dataset other = buildDataset(task, MetricsConfig{});
        QVERIFY(first.trainPairs != other.trainPairs);
    }

    void splitPartitionsTheTable()
    {
        TaskConfig task;
        const Dataset data = buildDataset(task, MetricsConfig{});
        QCOMPARE(int(data.trainPairs.size()), 2823);  // round(0.3 · 9409)
        QCOMPARE(int(data.trainPairs.size() + data.testPairs.size()), 97 * 97);
        std::set<int> all(data.trainPairs.begin(), data.trainPairs.end());
        for (int pair : data.testPairs)
            QVERIFY2(all.insert(pair).second, "train and test are disjoint");
        QCOMPARE(int(all.size()), 97 * 97);
    }

    void probeSetIsDrawnFromTheTrainSet()
    {
        TaskConfig task;
        MetricsConfig metrics;
        const Dataset data = buildDataset(task, metrics);
        QCOMPARE(int(data.probePairs.size()), 512);
        const std::set<int> train(data.trainPairs.begin(), data.trainPairs.end());
        for (int pair : data.probePairs)
            QVERIFY(train.count(pair));
        metrics.probeSource = ProbeSource::Test;
        const Dataset testProbe = buildDataset(task, metrics);
        const std::set<int> test(testProbe.testPairs.begin(), testProbe.testPairs.end());
        for (int pair : testProbe.probePairs)
            QVERIFY(test.count(pair));
    }

    void s5TrainFractionGivesThePapersCount()
    {
        TaskConfig task;
        task.kind = TaskKind::Permutation;
        task.permutationDegree = 5;
        task.trainFraction = 0.1;
        const Dataset data = buildDataset(task, MetricsConfig{});
        QCOMPARE(int(data.trainPairs.size()), 1440);  // docs/science.md: 1,440 training pairs
    }

    void tokensWithAndWithoutEquals()
    {
        TaskConfig task;
        task.modulus = 23;
        Dataset data = buildDataset(task, MetricsConfig{});
        QCOMPARE(data.sequenceLength, 3);
        QCOMPARE(data.vocabularySize, 24);
        int tokens[3];
        data.tokensOf(5, tokens);
        QCOMPARE(tokens[0], data.table.left[5]);
        QCOMPARE(tokens[1], data.table.right[5]);
        QCOMPARE(tokens[2], 23);
        task.equalsToken = false;
        data = buildDataset(task, MetricsConfig{});
        QCOMPARE(data.sequenceLength, 2);
        QCOMPARE(data.vocabularySize, 23);
    }

    void impossibleFractionsAreRejected()
    {
        TaskConfig task;
        task.trainFraction = 1.0;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, buildDataset(task, MetricsConfig{}));
        task.trainFraction = 0.00001;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, buildDataset(task, MetricsConfig{}));
    }
};

QTEST_APPLESS_MAIN(TestDataset)
#include "tst_dataset.moc"
