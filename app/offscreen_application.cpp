#include "offscreen_application.h"

#include <QApplication>
#include <QCoreApplication>

#include <unistd.h>

namespace grokscope::cli {

namespace {

// QApplication keeps references to argc and argv for its whole life.
int g_argc = 1;
char g_name[] = "grokscope-cli";
char* g_argv[] = {g_name, nullptr};

}  // namespace

OffscreenApplication::OffscreenApplication()
{
    if (QCoreApplication::instance())
        return;
    qputenv("QT_QPA_PLATFORM", "offscreen");  // figures only: never a window, never a display
    if (qEnvironmentVariableIsEmpty("XDG_RUNTIME_DIR"))  // else Qt warns about it on every run
        qputenv("XDG_RUNTIME_DIR", QByteArray("/tmp/grokscope-runtime-") + QByteArray::number(qulonglong(getuid())));
    m_application = std::make_unique<QApplication>(g_argc, g_argv);
}

OffscreenApplication::~OffscreenApplication() = default;

}  // namespace grokscope::cli
