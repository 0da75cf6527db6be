#include "cli_stop_signal.h"

#include <csignal>
#include <initializer_list>

namespace grokscope::cli {

namespace {

volatile std::sig_atomic_t g_stopRequested = 0;

void onStopSignal(int) { g_stopRequested = 1; }

}  // namespace

void installStopHandler()
{
    // SA_RESTART, as std::signal installs it: blocking calls are retried, and the flag
    // is never lost because every loop polls it.
    struct sigaction action {};
    action.sa_handler = onStopSignal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    // SIGHUP (a closed terminal or ssh session) stops as cleanly as Ctrl-C and SIGTERM.
    for (int signal : {SIGINT, SIGTERM, SIGHUP})
        sigaction(signal, &action, nullptr);
    // A write past RLIMIT_FSIZE then fails with EFBIG and is reported like a full disk,
    // instead of the signal killing the process mid-write.
    std::signal(SIGXFSZ, SIG_IGN);
}

bool stopRequested() { return g_stopRequested != 0; }

}  // namespace grokscope::cli
