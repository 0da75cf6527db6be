// The run list (ui/run_list.h): colours never collide between runs, an arm's seeds
// share its colour, removal takes children, visibility is inherited; and an arm's
// curve over its seeds (ui/arm_aggregate.h) with known means, ranges and t intervals.
#include "arm_aggregate.h"
#include "run_list.h"
#include "run_list_view.h"

#include <QComboBox>
#include <QSignalSpy>
#include <QTest>
#include <QTreeWidget>

#include <cmath>
#include <set>

using namespace grokscope::ui;

class TestRunList : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void coloursNeverCollideBetweenRuns()
    {
        RunList runs;
        std::set<QRgb> seen;
        for (int i = 0; i < 30; ++i) {
            const int id = runs.add(RunSource::Overlay, QStringLiteral("r%1").arg(i));
            QVERIFY2(seen.insert(runs.find(id)->colour.rgb()).second, qPrintable(QString::number(i)));
        }
        // The first ones follow the cycle; a freed colour is reused by the next run.
        QCOMPARE(runs.runs().front().colour, runColourCycle().front());
        const QColor freed = runs.runs()[2].colour;
        runs.remove(runs.runs()[2].id);
        const int next = runs.add(RunSource::Overlay, QStringLiteral("again"));
        QCOMPARE(runs.find(next)->colour, freed);
    }

    void seedsShareTheirArmsColourAndFollowIt()
    {
        RunList runs;
        const int live = runs.add(RunSource::LiveArm, QStringLiteral("z97-add s0"), QString(), -1, 0);
        const int arm = runs.add(RunSource::ExperimentArm, QStringLiteral("baseline"));
        const int other = runs.add(RunSource::ExperimentArm, QStringLiteral("mixing"));
        const int seed0 = runs.add(RunSource::ExperimentSeed, QStringLiteral("seed 0"), QString(), arm);
        const int seed1 = runs.add(RunSource::ExperimentSeed, QStringLiteral("seed 1"), QString(), arm);
        QCOMPARE(runs.find(seed0)->colour, runs.find(arm)->colour);
        QCOMPARE(runs.find(seed1)->colour, runs.find(arm)->colour);
        QVERIFY(runs.find(arm)->colour != runs.find(other)->colour);
        QVERIFY(runs.find(arm)->colour != runs.find(live)->colour);
        QCOMPARE(runs.liveArmRun(0), live);
        // Children are listed right after their arm, before the next arm.
        QCOMPARE(runs.runs()[2].id, seed0);
        QCOMPARE(runs.runs()[3].id, seed1);
        QCOMPARE(runs.runs()[4].id, other);

        QSignalSpy changed(&runs, &RunList::runChanged);
        runs.setVisible(arm, false);
        QVERIFY(!runs.isShown(seed0));  // hidden with its arm, its own toggle untouched
        QVERIFY(runs.find(seed0)->visible);
        QCOMPARE(changed.count(), 3);  // the arm and its two seeds
        runs.setVisible(arm, true);
        QVERIFY(runs.isShown(seed0));

        QSignalSpy removed(&runs, &RunList::runRemoved);
        QVERIFY(runs.remove(arm));
        QCOMPARE(removed.count(), 3);
        QCOMPARE(runs.count(), 2);
        QVERIFY(!runs.remove(arm));
    }

    void namesAreTrimmedAndNeverEmpty()
    {
        RunList runs;
        const int id = runs.add(RunSource::Saved, QStringLiteral("z97-add s0"));
        runs.setName(id, QStringLiteral("  baseline  "));
        QCOMPARE(runs.find(id)->name, QStringLiteral("baseline"));
        runs.setName(id, QStringLiteral("   "));
        QCOMPARE(runs.find(id)->name, QStringLiteral("baseline"));
        QCOMPARE(shortRunName(QStringLiteral("z97-add"), 3), QStringLiteral("z97-add s3"));
    }

    void removeAllKeepsOtherSources()
    {
        RunList runs;
        runs.add(RunSource::LiveArm, QStringLiteral("a"), QString(), -1, 0);
        runs.add(RunSource::Overlay, QStringLiteral("b"));
        const int arm = runs.add(RunSource::ExperimentArm, QStringLiteral("c"));
        runs.add(RunSource::ExperimentSeed, QStringLiteral("c0"), QString(), arm);
        runs.removeAll({RunSource::LiveArm, RunSource::Saved, RunSource::Overlay});
        QCOMPARE(runs.count(), 2);
        QCOMPARE(runs.runs().front().id, arm);
    }

    void theViewTogglesRenamesAndRemoves()
    {
        RunList runs;
        RunListView view(&runs);
        const int a = runs.add(RunSource::Overlay, QStringLiteral("first"));
        const int b = runs.add(RunSource::Overlay, QStringLiteral("second"));
        QCOMPARE(view.tree()->topLevelItemCount(), 2);
        QTreeWidgetItem* item = view.itemFor(a);
        item->setCheckState(RunListView::NameColumn, Qt::Unchecked);
        QVERIFY(!runs.find(a)->visible);
        item->setText(RunListView::NameColumn, QStringLiteral("renamed"));
        QCOMPARE(runs.find(a)->name, QStringLiteral("renamed"));
        view.tree()->setCurrentItem(view.itemFor(b));
        view.itemFor(b)->setSelected(true);
        view.show();
        QTest::keyClick(view.tree(), Qt::Key_Delete);
        QVERIFY(!runs.find(b));
        QCOMPARE(view.tree()->topLevelItemCount(), 1);
        QSignalSpy band(&view, &RunListView::bandKindChanged);
        view.bandBox()->setCurrentIndex(1);
        QCOMPARE(band.count(), 1);
        QCOMPARE(view.bandKind(), BandKind::ConfidenceInterval95);
    }

    void anArmsCurveHasKnownMeansAndBands()
    {
        // Three seeds at steps 0 and 100; the third has not reached step 200 and the
        // other two have: two of three is a majority, so step 200 is drawn; step 300
        // (one seed) is not.
        std::vector<SeedCurve> seeds(3);
        seeds[0] = {{0, 100, 200, 300}, {1.0, 2.0, 4.0, 8.0}};
        seeds[1] = {{0, 100, 200}, {3.0, 4.0, 6.0}};
        seeds[2] = {{0, 100}, {5.0, 9.0}};
        const ArmCurve range = aggregateArm(seeds, BandKind::MinMax);
        QCOMPARE(range.steps, QVector<double>({0, 100, 200}));
        QCOMPARE(range.mean, QVector<double>({3.0, 5.0, 5.0}));
        QCOMPARE(range.lower, QVector<double>({1.0, 2.0, 4.0}));
        QCOMPARE(range.upper, QVector<double>({5.0, 9.0, 6.0}));
        QCOMPARE(range.seeds, QVector<int>({3, 3, 2}));
        // Step 0: mean 3, SD 2, n = 3: 3 ± t(0.975, 2) · 2/√3 = 3 ± 4.302653 · 1.154701.
        const ArmCurve ci = aggregateArm(seeds, BandKind::ConfidenceInterval95);
        const double half = 4.302652729911275 * 2.0 / std::sqrt(3.0);
        QVERIFY(std::abs(ci.lower[0] - (3.0 - half)) < 1e-6);
        QVERIFY(std::abs(ci.upper[0] - (3.0 + half)) < 1e-6);
        // Step 200: values 4 and 6, SD √2, n = 2: 5 ± 12.706205 · √2/√2.
        QVERIFY(std::abs(ci.upper[2] - (5.0 + 12.706204736174707)) < 1e-6);
        // A NaN (a diverged seed) is left out rather than poisoning the mean.
        seeds[2].values[0] = std::nan("");
        QCOMPARE(aggregateArm(seeds, BandKind::MinMax).mean[0], 2.0);
    }
};

QTEST_MAIN(TestRunList)
#include "tst_run_list.moc"
