#include "run_list_view.h"

#include "arm_aggregate.h"
#include "run_list.h"

#include <QAction>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QMenu>
#include <QPainter>
#include <QPixmap>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace grokscope::ui {

namespace {

constexpr int kRunIdRole = Qt::UserRole + 1;

QIcon swatch(const QColor& colour)
{
    QPixmap pixmap(14, 14);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(colour.darker(130));
    painter.setBrush(colour);
    painter.drawRoundedRect(QRectF(1.5, 1.5, 11, 11), 2, 2);
    return QIcon(pixmap);
}

QString kindText(const RunList& runs, const ShownRun& run)
{
    switch (run.source) {
    case RunSource::LiveArm:
        return run.liveArm == 0 ? RunListView::tr("live") : RunListView::tr("live branch");
    case RunSource::Saved:
        return RunListView::tr("opened");
    case RunSource::Overlay:
        return RunListView::tr("overlay");
    case RunSource::ExperimentArm:
        return RunListView::tr("arm · %n seed(s)", nullptr, static_cast<int>(runs.children(run.id).size()));
    case RunSource::ExperimentSeed:
        return RunListView::tr("seed");
    }
    return QString();
}

}  // namespace

RunListView::RunListView(RunList* runs, QWidget* parent) : QWidget(parent), m_runs(runs)
{
    m_tree = new QTreeWidget(this);
    m_tree->setObjectName(QStringLiteral("runList"));
    m_tree->setColumnCount(ColumnCount);
    m_tree->setHeaderLabels({tr("Run"), tr("Kind")});
    m_tree->header()->setStretchLastSection(false);
    m_tree->header()->setSectionResizeMode(NameColumn, QHeaderView::Stretch);
    m_tree->header()->setSectionResizeMode(KindColumn, QHeaderView::ResizeToContents);
    m_tree->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_tree->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
    m_tree->setContextMenuPolicy(Qt::CustomContextMenu);
    m_tree->setRootIsDecorated(true);
    m_tree->installEventFilter(this);
    m_tree->setToolTip(tr("Tick to show, double-click or F2 to rename, Delete to remove from the charts"));

    m_band = new QComboBox(this);
    m_band->setObjectName(QStringLiteral("bandKind"));
    m_band->addItem(tr("min–max of the seeds"), static_cast<int>(BandKind::MinMax));
    m_band->addItem(tr("95% CI of the mean"), static_cast<int>(BandKind::ConfidenceInterval95));
    m_band->setToolTip(tr("How an experiment arm's band around its mean is drawn"));
    m_band->setFocusPolicy(Qt::StrongFocus);
    m_remove = new QPushButton(tr("Remove"), this);
    m_remove->setToolTip(tr("Take the selected runs off the charts (their folders are kept)"));

    auto* row = new QHBoxLayout;
    row->setContentsMargins(0, 0, 0, 0);
    auto* bandLabel = new QLabel(tr("Arm band:"), this);
    row->addWidget(bandLabel);
    row->addWidget(m_band, 1);
    row->addWidget(m_remove);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(row);
    layout->addWidget(m_tree, 1);

    connect(m_band, &QComboBox::currentIndexChanged, this, [this] { Q_EMIT bandKindChanged(bandKind()); });
    connect(m_remove, &QPushButton::clicked, this, &RunListView::removeSelected);
    connect(m_tree, &QTreeWidget::itemChanged, this, &RunListView::onItemChanged);
    connect(m_tree, &QTreeWidget::customContextMenuRequested, this, [this](const QPoint& at) {
        QMenu menu(this);
        QTreeWidgetItem* item = m_tree->itemAt(at);
        if (item) {
            menu.addAction(tr("Rename"), this, [this, item] { m_tree->editItem(item, NameColumn); });
            menu.addAction(tr("Show only this"), this, [this, item] {
                const int only = item->data(NameColumn, kRunIdRole).toInt();
                const ShownRun* run = m_runs->find(only);
                for (const ShownRun& other : m_runs->runs())
                    if (other.parent < 0)
                        m_runs->setVisible(other.id, other.id == only || (run && run->parent == other.id));
                m_runs->setVisible(only, true);
            });
        }
        menu.addAction(tr("Remove from the charts"), this, &RunListView::removeSelected)->setEnabled(item != nullptr);
        menu.exec(m_tree->viewport()->mapToGlobal(at));
    });
    connect(runs, &RunList::runAdded, this, &RunListView::addRow);
    connect(runs, &RunList::runChanged, this, &RunListView::updateRow);
    connect(runs, &RunList::runAboutToBeRemoved, this, &RunListView::removeRow);
    for (const ShownRun& run : runs->runs())
        addRow(run.id);
}

BandKind RunListView::bandKind() const { return static_cast<BandKind>(m_band->currentData().toInt()); }

QTreeWidgetItem* RunListView::itemFor(int id) const
{
    for (QTreeWidgetItemIterator it(m_tree); *it; ++it)
        if ((*it)->data(NameColumn, kRunIdRole).toInt() == id)
            return *it;
    return nullptr;
}

void RunListView::addRow(int id)
{
    const ShownRun* run = m_runs->find(id);
    if (!run)
        return;
    QTreeWidgetItem* parentItem = run->parent >= 0 ? itemFor(run->parent) : nullptr;
    auto* item = parentItem ? new QTreeWidgetItem(parentItem) : new QTreeWidgetItem(m_tree);
    m_updating = true;
    item->setData(NameColumn, kRunIdRole, id);
    item->setFlags(item->flags() | Qt::ItemIsEditable | Qt::ItemIsUserCheckable);
    m_updating = false;
    updateRow(id);
    if (parentItem)
        updateRow(run->parent);  // its seed count
}

void RunListView::updateRow(int id)
{
    const ShownRun* run = m_runs->find(id);
    QTreeWidgetItem* item = itemFor(id);
    if (!run || !item)
        return;
    m_updating = true;
    item->setText(NameColumn, run->name);
    item->setIcon(NameColumn, swatch(run->colour));
    item->setCheckState(NameColumn, run->visible ? Qt::Checked : Qt::Unchecked);
    item->setText(KindColumn, kindText(*m_runs, *run));
    item->setToolTip(NameColumn, run->directory.isEmpty() ? run->name : run->directory);
    const bool dimmed = !m_runs->isShown(id);
    item->setForeground(NameColumn, dimmed ? m_tree->palette().brush(QPalette::Disabled, QPalette::Text)
                                           : m_tree->palette().brush(QPalette::Active, QPalette::Text));
    m_updating = false;
}

void RunListView::removeRow(int id)
{
    const ShownRun* run = m_runs->find(id);
    delete itemFor(id);
    if (run && run->parent >= 0)
        QMetaObject::invokeMethod(this, [this, parent = run->parent] { updateRow(parent); }, Qt::QueuedConnection);
}

void RunListView::onItemChanged(QTreeWidgetItem* item, int column)
{
    if (m_updating || column != NameColumn)
        return;
    const int id = item->data(NameColumn, kRunIdRole).toInt();
    m_runs->setVisible(id, item->checkState(NameColumn) == Qt::Checked);
    m_runs->setName(id, item->text(NameColumn));
    updateRow(id);  // an emptied name comes back
}

void RunListView::removeSelected()
{
    std::vector<int> ids;
    for (QTreeWidgetItem* item : m_tree->selectedItems())
        ids.push_back(item->data(NameColumn, kRunIdRole).toInt());
    if (ids.empty() && m_tree->currentItem())
        ids.push_back(m_tree->currentItem()->data(NameColumn, kRunIdRole).toInt());
    for (int id : ids) {
        const ShownRun* run = m_runs->find(id);
        if (run && run->source == RunSource::LiveArm)
            m_runs->setVisible(id, false);  // a training arm stays; it can only be hidden
        else
            m_runs->remove(id);  // an arm removed first takes its seeds: later ids are simply unknown
    }
}

bool RunListView::eventFilter(QObject* watched, QEvent* event)
{
    // While a name is edited its line edit has the focus and gets the Delete key.
    if (watched == m_tree && event->type() == QEvent::KeyPress
        && static_cast<QKeyEvent*>(event)->key() == Qt::Key_Delete) {
        removeSelected();
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

}  // namespace grokscope::ui
