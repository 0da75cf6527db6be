// Keeps the layering honest (README.md, "Code layout"). Every rule reads the source
// tree, so a new file that breaks one fails here:
// - core/ includes no Qt header at all, and no public core header includes torch;
// - experiment/ and report/ include no Qt Widgets and do not link them;
// - ui/ includes no torch header;
// - dependencies point one way: app → ui → experiment/report → core, and
//   the folders inside core/ have no cycle (config/ depends on nothing).

#include <QtTest>
#include <QDirIterator>
#include <QRegularExpression>

#include <functional>
#include <map>
#include <set>

namespace {

const QString kSource = QStringLiteral(GROKSCOPE_SOURCE_DIR);

// The source layers, lowest first. A layer may include only itself and layers below
// it in this list; ui may include experiment and report (the experiment view).
const QStringList kLayers = {"core", "experiment", "report", "figures", "ui", "app"};
const std::map<QString, QStringList> kMayInclude = {
    {"core", {"core"}},
    {"experiment", {"experiment", "core"}},
    {"report", {"report", "experiment", "core"}},
    {"figures", {"figures", "report", "experiment", "core"}},
    {"ui", {"ui", "figures", "report", "experiment", "core"}},
    {"app", {"app", "ui", "figures", "report", "experiment", "core"}},
};

struct Include {
    QString file;  // relative to the source root
    int line = 0;
    QString target;  // the quoted or bracketed path
    bool quoted = false;
};

QList<Include> includesIn(const QString& dir)
{
    QList<Include> result;
    static const QRegularExpression directive("^\\s*#\\s*include\\s*([<\"])([^>\"]+)[>\"]");
    QDirIterator it(kSource + "/" + dir, {"*.h", "*.cpp"}, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
            continue;
        int lineNumber = 0;
        while (!file.atEnd()) {
            const QString line = QString::fromUtf8(file.readLine());
            ++lineNumber;
            const QRegularExpressionMatch m = directive.match(line);
            if (m.hasMatch())
                result.append({QDir(kSource).relativeFilePath(path), lineNumber, m.captured(2),
                               m.captured(1) == "\""});
        }
    }
    return result;
}

QStringList offending(const QList<Include>& includes, const QRegularExpression& pattern)
{
    QStringList offences;
    for (const Include& include : includes)
        if (pattern.match(include.target).hasMatch())
            offences << QString("%1:%2: #include %3").arg(include.file).arg(include.line).arg(include.target);
    return offences;
}

QStringList existingLayers()
{
    QStringList layers;
    for (const QString& layer : kLayers)
        if (QDir(kSource + "/" + layer).exists())
            layers << layer;
    return layers;
}

// Where a quoted include lives: "folder/name.h" inside core/, or a bare name in one
// of the layer folders (each is its own include root). Empty for generated or
// third-party headers.
QString owningFolder(const QString& target, const QStringList& layers)
{
    if (target.contains('/')) {
        if (QFile::exists(kSource + "/core/" + target))
            return "core/" + target.section('/', 0, 0);
        for (const QString& layer : layers)
            if (QFile::exists(kSource + "/" + layer + "/" + target))
                return layer;
        return {};
    }
    for (const QString& layer : layers)
        if (QFile::exists(kSource + "/" + layer + "/" + target))
            return layer;
    return {};
}

QString folderOf(const QString& file)
{
    const QStringList parts = file.split('/');
    if (parts.first() == "core" && parts.size() > 2)
        return "core/" + parts[1];
    return parts.first();
}

using Graph = std::map<QString, std::set<QString>>;

// One cycle of `graph` as "a → b → … → a", or empty when there is none.
QString findCycle(const Graph& graph)
{
    std::map<QString, int> state;  // 0 unvisited, 1 on the stack, 2 done
    QStringList stack;
    std::function<QString(const QString&)> visit = [&](const QString& node) -> QString {
        state[node] = 1;
        stack << node;
        const auto edges = graph.find(node);
        if (edges != graph.end())
            for (const QString& next : edges->second) {
                if (state[next] == 1)
                    return (stack.mid(stack.indexOf(next)) << next).join(" → ");
                if (state[next] == 0) {
                    const QString cycle = visit(next);
                    if (!cycle.isEmpty())
                        return cycle;
                }
            }
        stack.removeLast();
        state[node] = 2;
        return {};
    };
    for (const auto& [node, edges] : graph)
        if (state[node] == 0) {
            const QString cycle = visit(node);
            if (!cycle.isEmpty())
                return cycle;
        }
    return {};
}

// Folder → folders it includes, with one example include per edge for the message.
Graph folderGraph(std::map<std::pair<QString, QString>, QString>* examples)
{
    const QStringList layers = existingLayers();
    Graph graph;
    for (const QString& layer : layers)
        for (const Include& include : includesIn(layer)) {
            if (!include.quoted)
                continue;
            const QString from = folderOf(include.file);
            const QString to = owningFolder(include.target, layers);
            if (to.isEmpty() || to == from)
                continue;
            graph[from].insert(to);
            if (examples)
                (*examples)[{from, to}] = QString("%1:%2").arg(include.file).arg(include.line);
        }
    return graph;
}

QString layerOf(const QString& folder) { return folder.section('/', 0, 0); }

}  // namespace

class TestArchitecture : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void coreIncludesNoQt()
    {
        const QStringList offences = offending(includesIn("core"), QRegularExpression("^Q[A-Za-z]*($|/)"));
        QVERIFY2(offences.isEmpty(), qPrintable(offences.join('\n')));
    }

    void uiIncludesNoTorch()
    {
        if (!QDir(kSource + "/ui").exists())
            QSKIP("no ui/ directory in this checkout");
        const QStringList offences = offending(includesIn("ui"), QRegularExpression("^(torch|ATen|c10)/"));
        QVERIFY2(offences.isEmpty(), qPrintable(offences.join('\n')));
    }

    void publicCoreHeadersIncludeNoTorch()
    {
        // Only model/ and train/adamw.h are internal (torch) headers; everything the
        // UI, CLI and tests include must stay torch-free.
        QList<Include> headers;
        for (const Include& include : includesIn("core"))
            if (include.file.endsWith(".h") && !include.file.startsWith("core/model/")
                && include.file != "core/train/adamw.h")
                headers << include;
        const QStringList offences = offending(headers, QRegularExpression("^(torch|ATen|c10)/"));
        QVERIFY2(offences.isEmpty(), qPrintable(offences.join('\n')));
    }

    void experimentAndReportUseNoWidgets()
    {
        // The CLI and a cluster job link these; they must not need a display.
        static const QRegularExpression widgets(
            "^(QtWidgets|QtPrintSupport|qcustomplot|QApplication|QWidget|QMainWindow|QDialog|QMessageBox|"
            "QAbstractButton|QPushButton|QLabel|QLayout|QBoxLayout|QFileDialog)(\\.h)?($|/)");
        for (const QString layer : {"experiment", "report"}) {
            if (!QDir(kSource + "/" + layer).exists())
                QFAIL(qPrintable(layer + "/ is missing: the experiment and report layers are libraries"));
            const QStringList offences = offending(includesIn(layer), widgets);
            QVERIFY2(offences.isEmpty(), qPrintable(offences.join('\n')));
            QFile cmake(kSource + "/" + layer + "/CMakeLists.txt");
            QVERIFY2(cmake.open(QIODevice::ReadOnly), qPrintable(layer + "/CMakeLists.txt"));
            const QString text = QString::fromUtf8(cmake.readAll());
            for (const char* library : {"Qt6::Widgets", "Qt6::PrintSupport", "QCustomPlot"})
                QVERIFY2(!text.contains(library), qPrintable(layer + "/CMakeLists.txt links " + QString(library)));
        }
    }

    void layersIncludeOnlyLayersBelow()
    {
        std::map<std::pair<QString, QString>, QString> examples;
        const Graph graph = folderGraph(&examples);
        QStringList offences;
        for (const auto& [from, targets] : graph)
            for (const QString& to : targets) {
                const QStringList& allowed = kMayInclude.at(layerOf(from));
                if (!allowed.contains(layerOf(to)))
                    offences << QString("%1 includes %2 (%3)").arg(from, to, examples[{from, to}]);
            }
        QVERIFY2(offences.isEmpty(), qPrintable(offences.join('\n')));
    }

    void noFolderCycle()
    {
        std::map<std::pair<QString, QString>, QString> examples;
        const Graph graph = folderGraph(&examples);
        QVERIFY2(graph.count("core/train") && graph.at("core/train").count("core/config"),
                 "the include graph lost core/train → core/config: the scan is broken");
        const QString cycle = findCycle(graph);
        QVERIFY2(cycle.isEmpty(), qPrintable("folder cycle: " + cycle));
        // config/ holds plain values: it depends on nothing.
        QVERIFY2(!graph.count("core/config"), "core/config includes another folder");
    }

    void theDetectorsWorkOnThisTree()
    {
        // Each check must be able to fail: the internal model header does include torch,
        // ui does include Qt, and a planted cycle is found.
        QVERIFY(!offending(includesIn("core/model"), QRegularExpression("^torch/")).isEmpty());
        if (QDir(kSource + "/ui").exists())
            QVERIFY(!offending(includesIn("ui"), QRegularExpression("^QWidget$")).isEmpty());
        Graph planted = {{"a", {"b"}}, {"b", {"c"}}, {"c", {"a"}}, {"d", {"a"}}};
        QCOMPARE(findCycle(planted).count("→"), 3);
        planted["c"].clear();
        QVERIFY(findCycle(planted).isEmpty());
        QCOMPARE(owningFolder("metrics/spectrum.h", existingLayers()), QString("core/metrics"));
    }
};

QTEST_GUILESS_MAIN(TestArchitecture)
#include "tst_architecture.moc"
