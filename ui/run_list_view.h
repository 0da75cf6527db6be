#pragma once
// The run list dock's contents: one row per run on the charts (run_list.h) with its
// colour, a visibility box and its short name (double-click or F2 to rename); an
// experiment's arms hold their seeds as child rows. Delete, the context menu or the
// Remove button take a run off the charts. Above the list: how an experiment arm's
// band is drawn (min–max of its seeds or the 95% CI of their mean).

#include <QWidget>

class QComboBox;
class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace grokscope::ui {

class RunList;
enum class BandKind;

class RunListView : public QWidget {
    Q_OBJECT
public:
    enum Column { NameColumn, KindColumn, ColumnCount };

    explicit RunListView(RunList* runs, QWidget* parent = nullptr);

    QTreeWidget* tree() const { return m_tree; }
    QComboBox* bandBox() const { return m_band; }
    BandKind bandKind() const;
    // The row showing run `id`, or nullptr.
    QTreeWidgetItem* itemFor(int id) const;

Q_SIGNALS:
    void bandKindChanged(grokscope::ui::BandKind kind);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void addRow(int id);
    void updateRow(int id);
    void removeRow(int id);
    void onItemChanged(QTreeWidgetItem* item, int column);
    void removeSelected();

    RunList* m_runs;
    QTreeWidget* m_tree = nullptr;
    QComboBox* m_band = nullptr;
    QPushButton* m_remove = nullptr;
    bool m_updating = false;  // rows being filled from the model: item edits are not the user's
};

}  // namespace grokscope::ui
