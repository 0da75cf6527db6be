// InterventionPanel with a run open: the mouse wheel over an unfocused spin or combo
// box scrolls the dock instead of turning a live lever, and a changed setting reaches
// the trainer as one signal on Enter or Apply (issue 19, defect 1). resetTo() gives the
// panel of a fresh start without telling the trainer anything (defect 8).
#include "intervention_panel.h"
#include "wheel_guard.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSpinBox>
#include <QSpontaneKeyEvent>
#include <QTest>
#include <QToolButton>
#include <QVBoxLayout>
#include <QWheelEvent>

#include <cstdlib>

using grokscope::EntropyFloorSettings;
using grokscope::MixingSettings;
using grokscope::MixingSite;
using grokscope::ui::InterventionPanel;

namespace {

constexpr int kNotch = 120;  // QWheelEvent's angle delta of one wheel notch

// `notches` wheel notches over the middle of `widget`, delivered as the window system
// would: to the innermost widget under the pointer (a spin box's line edit), marked
// spontaneous, for QApplication offers only a spontaneous wheel event to the parents
// until one accepts it (QTest delivers its key events the same way).
void turnWheel(QWidget* widget, int notches)
{
    const QPoint centre = widget->rect().center();
    QWidget* target = widget->childAt(centre);
    if (!target)
        target = widget;
    const QPointF local = target->mapFrom(widget, centre);
    const QPointF global = widget->mapToGlobal(centre);
    const int step = notches > 0 ? kNotch : -kNotch;
    for (int i = 0; i < std::abs(notches); ++i) {
        QWheelEvent wheel(local, global, QPoint(), QPoint(0, step), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase,
                          false);
        QSpontaneKeyEvent::setSpontaneous(&wheel);
        qApp->notify(target, &wheel);
    }
}

// The panel as MainWindow shows it: in a scroll area short enough to scroll, with a run open.
struct OpenRun {
    QWidget window;
    QScrollArea* scroll = nullptr;
    InterventionPanel* panel = nullptr;
    QPushButton* elsewhere = nullptr;  // somewhere the focus can rest outside the levers

    OpenRun()
    {
        scroll = new QScrollArea(&window);
        panel = new InterventionPanel;
        scroll->setWidget(panel);
        scroll->setWidgetResizable(true);
        elsewhere = new QPushButton(QStringLiteral("elsewhere"), &window);
        auto* layout = new QVBoxLayout(&window);
        layout->addWidget(elsewhere);
        layout->addWidget(scroll);
        window.resize(360, 260);
        panel->setRunOpen(true, 1);
    }

    bool show()
    {
        window.show();
        window.activateWindow();
        return QTest::qWaitForWindowActive(&window);
    }

    template <typename Widget>
    Widget* field(const char* name) const
    {
        return panel->findChild<Widget*>(QLatin1String(name));
    }
};

}  // namespace

class TestInterventionPanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void unfocusedWheelScrollsTheDockNotTheLever()
    {
        OpenRun run;
        QVERIFY(run.show());
        run.panel->mixingToggle()->click();
        run.panel->entropyFloorToggle()->click();
        QVERIFY(run.panel->mixingToggle()->isChecked() && run.panel->entropyFloorToggle()->isChecked());
        QSignalSpy mixing(run.panel, &InterventionPanel::mixingChanged);
        QSignalSpy floor(run.panel, &InterventionPanel::entropyFloorChanged);
        QScrollBar* bar = run.scroll->verticalScrollBar();
        QVERIFY2(bar->maximum() > 0, "the panel must be taller than its scroll area for the test to mean anything");

        auto* target = run.field<QDoubleSpinBox>("entropyFloorTarget");
        auto* weight = run.field<QDoubleSpinBox>("entropyFloorWeight");
        auto* alpha = run.field<QDoubleSpinBox>("mixingAlpha");
        auto* site = run.field<QComboBox>("mixingSite");
        QVERIFY(target && weight && alpha && site);
        const EntropyFloorSettings floorBefore = run.panel->entropyFloorSettings();
        const MixingSettings mixingBefore = run.panel->mixingSettings();
        for (QWidget* lever : std::initializer_list<QWidget*>{target, weight, alpha, site}) {
            run.elsewhere->setFocus();
            QVERIFY(run.elsewhere->hasFocus() && !lever->hasFocus());
            QCOMPARE(lever->focusPolicy(), Qt::StrongFocus);  // so the wheel does not take focus either
            bar->setValue(bar->maximum() / 2);
            const int middle = bar->value();
            turnWheel(lever, -5);  // five notches towards the user: scroll down
            QVERIFY2(bar->value() > middle, qPrintable(lever->objectName() + QStringLiteral(" kept the wheel")));
            QVERIFY(!lever->hasFocus());
        }
        QCOMPARE(run.panel->entropyFloorSettings(), floorBefore);
        QCOMPARE(run.panel->mixingSettings(), mixingBefore);
        QCOMPARE(floor.count(), 0);
        QCOMPARE(mixing.count(), 0);
        QVERIFY(!run.panel->entropyFloorApplyButton()->isEnabled());
        QVERIFY(!run.panel->mixingApplyButton()->isEnabled());
    }

    void focusedWheelWaitsForEnterAndSendsOneEvent()
    {
        // The reported sequence: floor 0.75 and five notches. Focused, the spin box takes
        // them; the trainer hears of it once, on Enter, with the final value.
        OpenRun run;
        QVERIFY(run.show());
        auto* target = run.field<QDoubleSpinBox>("entropyFloorTarget");
        QVERIFY(target);
        QCOMPARE(target->value(), 0.75);
        run.panel->entropyFloorToggle()->click();
        QSignalSpy floor(run.panel, &InterventionPanel::entropyFloorChanged);
        QSignalSpy mixing(run.panel, &InterventionPanel::mixingChanged);
        target->setFocus();
        QVERIFY(target->hasFocus());
        turnWheel(target, 5);
        QCOMPARE(target->value(), 0.80);
        QCOMPARE(floor.count(), 0);
        QVERIFY(run.panel->entropyFloorApplyButton()->isEnabled());
        QTest::keyClick(target, Qt::Key_Enter);
        QCOMPARE(floor.count(), 1);
        const auto sent = floor.takeFirst().at(1).value<EntropyFloorSettings>();
        QCOMPARE(sent, (EntropyFloorSettings{true, 0.80, 1.0}));
        QVERIFY(!run.panel->entropyFloorApplyButton()->isEnabled());
        QTest::keyClick(target, Qt::Key_Return);  // nothing new to apply
        QCOMPARE(floor.count(), 0);
        QCOMPARE(mixing.count(), 0);
    }

    void typedValueCountsOnceOnEnter()
    {
        OpenRun run;
        QVERIFY(run.show());
        auto* alpha = run.field<QDoubleSpinBox>("mixingAlpha");
        QVERIFY(alpha);
        run.panel->mixingToggle()->click();
        QSignalSpy mixing(run.panel, &InterventionPanel::mixingChanged);
        alpha->setFocus();
        alpha->selectAll();
        QTest::keyClicks(alpha, QStringLiteral("0.55"));
        QCOMPARE(mixing.count(), 0);  // "0", "0.", "0.5" were never sent
        QTest::keyClick(alpha, Qt::Key_Enter);
        QCOMPARE(mixing.count(), 1);
        const auto sent = mixing.takeFirst().at(1).value<MixingSettings>();
        QVERIFY(sent.enabled);
        QCOMPARE(sent.alpha, 0.55);

        // Typed, then a click on Apply while the field still has focus (a click on a
        // disabled button would not take it): Apply is already on, and sends the typed value.
        alpha->selectAll();
        QTest::keyClicks(alpha, QStringLiteral("0.4"));
        QVERIFY(alpha->hasFocus());
        QPushButton* apply = run.panel->mixingApplyButton();
        QVERIFY(apply->isEnabled());
        QCOMPARE(mixing.count(), 0);
        QTest::mouseClick(apply, Qt::LeftButton);
        QCOMPARE(mixing.count(), 1);
        QCOMPARE(mixing.takeFirst().at(1).value<MixingSettings>().alpha, 0.4);
    }

    void applyButtonSendsAChosenSettingOnce()
    {
        OpenRun run;
        QVERIFY(run.show());
        auto* site = run.field<QComboBox>("mixingSite");
        auto* probability = run.field<QDoubleSpinBox>("mixingProbability");
        QVERIFY(site && probability);
        run.panel->mixingToggle()->click();
        QSignalSpy mixing(run.panel, &InterventionPanel::mixingChanged);
        site->setCurrentIndex(site->findData(static_cast<int>(MixingSite::Embedding)));
        probability->setValue(0.5);
        QCOMPARE(mixing.count(), 0);
        QPushButton* apply = run.panel->mixingApplyButton();
        QVERIFY(apply->isEnabled());
        QVERIFY(!run.panel->entropyFloorApplyButton()->isEnabled());
        apply->click();
        QCOMPARE(mixing.count(), 1);
        const auto sent = mixing.takeFirst().at(1).value<MixingSettings>();
        QCOMPARE(sent.site, MixingSite::Embedding);
        QCOMPARE(sent.probability, 0.5);
        QVERIFY(!apply->isEnabled());
    }

    void switchAppliesAtOnceWithTheSettingsShown()
    {
        // With the lever off, edits wait for the switch, which sends them: one event.
        OpenRun run;
        auto* weight = run.field<QDoubleSpinBox>("entropyFloorWeight");
        QVERIFY(weight);
        QSignalSpy floor(run.panel, &InterventionPanel::entropyFloorChanged);
        weight->setValue(4.0);
        QCOMPARE(floor.count(), 0);
        QVERIFY(!run.panel->entropyFloorApplyButton()->isEnabled());
        run.panel->entropyFloorToggle()->click();
        QCOMPARE(floor.count(), 1);
        QCOMPARE(floor.takeFirst().at(1).value<EntropyFloorSettings>(), (EntropyFloorSettings{true, 0.75, 4.0}));
        run.panel->entropyFloorToggle()->click();
        QCOMPARE(floor.count(), 1);
        QVERIFY(!floor.takeFirst().at(1).value<EntropyFloorSettings>().enabled);
    }

    void unappliedChangesEndWithTheRun()
    {
        OpenRun run;
        run.panel->entropyFloorToggle()->click();
        auto* target = run.field<QDoubleSpinBox>("entropyFloorTarget");
        target->setValue(0.6);
        QVERIFY(run.panel->entropyFloorApplyButton()->isEnabled());
        target->setValue(0.75);
        QVERIFY2(!run.panel->entropyFloorApplyButton()->isEnabled(), "the value the trainer has is no change");
        target->setValue(0.6);
        QVERIFY(run.panel->entropyFloorApplyButton()->isEnabled());
        run.panel->setRunOpen(false, 0);
        QVERIFY(!run.panel->entropyFloorApplyButton()->isEnabled());
        run.panel->setRunOpen(true, 1);
        QVERIFY2(!run.panel->entropyFloorApplyButton()->isEnabled(), "an edit of the last run is not pending in this one");
    }

    void resetToUnticksAndRestoresWithoutSignals()
    {
        OpenRun run;
        run.panel->setRunOpen(true, 2);
        run.panel->setReferenceRun(QStringLiteral("/tmp/baseline"));
        run.panel->mixingToggle()->click();
        run.panel->entropyFloorToggle()->click();
        run.panel->normMatchToggle()->click();
        run.field<QDoubleSpinBox>("mixingAlpha")->setValue(0.9);
        run.field<QDoubleSpinBox>("mixingProbability")->setValue(0.25);
        run.field<QComboBox>("mixingForm")->setCurrentIndex(1);
        run.field<QDoubleSpinBox>("entropyFloorTarget")->setValue(0.5);
        run.field<QDoubleSpinBox>("entropyFloorWeight")->setValue(9.0);
        run.field<QComboBox>("leverArm")->setCurrentIndex(1);
        run.panel->mixingVariantToggle()->click();
        QVERIFY(run.panel->mixingApplyButton()->isEnabled() && run.panel->entropyFloorApplyButton()->isEnabled());

        grokscope::TrainConfig config;
        config.intervention.mixingAlpha = 0.4;
        config.intervention.entropyFloorTarget = 0.7;
        config.intervention.entropyFloorWeight = 2.0;
        QSignalSpy mixing(run.panel, &InterventionPanel::mixingChanged);
        QSignalSpy floor(run.panel, &InterventionPanel::entropyFloorChanged);
        QSignalSpy norm(run.panel, &InterventionPanel::normMatchChanged);
        run.panel->resetTo(config);
        QCOMPARE(mixing.count() + floor.count() + norm.count(), 0);
        for (QCheckBox* lever :
             {run.panel->mixingToggle(), run.panel->entropyFloorToggle(), run.panel->normMatchToggle()}) {
            QVERIFY2(!lever->isChecked(), qPrintable(lever->objectName()));
            QVERIFY2(!lever->isEnabled(), "no run is open after a reset");
        }
        MixingSettings expectedMixing = config.intervention.mixingSettings();
        QCOMPARE(run.panel->mixingSettings(), expectedMixing);
        QCOMPARE(run.panel->entropyFloorSettings(), (EntropyFloorSettings{false, 0.7, 2.0}));
        QCOMPARE(run.panel->targetArm(), 0);
        QCOMPARE(run.field<QComboBox>("leverArm")->count(), 1);
        QVERIFY(!run.panel->mixingApplyButton()->isEnabled());
        QVERIFY(!run.panel->entropyFloorApplyButton()->isEnabled());
        QVERIFY2(!run.panel->mixingVariantToggle()->isChecked(), "the default variant is folded again");
        QCOMPARE(run.panel->mixingVariantToggle()->text(), QStringLiteral("Variant"));

        // A config that changes the variant shows it unfolded.
        config.intervention.mixingProbability = 0.5;
        run.panel->resetTo(config);
        QVERIFY(run.panel->mixingVariantToggle()->isChecked());
        QCOMPARE(run.panel->mixingSettings().probability, 0.5);
        QCOMPARE(mixing.count() + floor.count() + norm.count(), 0);
    }

    void guardCoversEveryDescendantOnce()
    {
        // installWheelGuard is declared once and used by each panel; a second call on an
        // enclosing widget must not change what the wheel does.
        QWidget root;
        auto* spin = new QSpinBox(&root);
        auto* combo = new QComboBox(&root);
        combo->addItems({QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")});
        QCOMPARE(spin->focusPolicy(), Qt::WheelFocus);  // Qt's default, which the guard replaces
        QSpinBox unguarded;  // the control: Qt's spin box takes the wheel unfocused
        turnWheel(&unguarded, 3);
        QCOMPARE(unguarded.value(), 3);
        grokscope::ui::installWheelGuard(&root);
        grokscope::ui::installWheelGuard(&root);
        QCOMPARE(spin->focusPolicy(), Qt::StrongFocus);
        QCOMPARE(combo->focusPolicy(), Qt::StrongFocus);
        turnWheel(spin, 3);
        turnWheel(combo, -1);
        QCOMPARE(spin->value(), 0);
        QCOMPARE(combo->currentIndex(), 0);
    }
};

QTEST_MAIN(TestInterventionPanel)
#include "tst_intervention_panel.moc"
