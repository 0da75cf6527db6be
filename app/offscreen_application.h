#pragma once
// The QApplication that grokscope-cli starts only to draw the replication report's
// figures (figures/replicate_figures.h): on Qt's "offscreen" platform, so no display
// is needed and no window is shown. The executable owns it, never a library.

#include <memory>

class QApplication;

namespace grokscope::cli {

class OffscreenApplication {
public:
    // Does nothing when a Qt application exists already.
    OffscreenApplication();
    ~OffscreenApplication();
    OffscreenApplication(const OffscreenApplication&) = delete;
    OffscreenApplication& operator=(const OffscreenApplication&) = delete;

private:
    std::unique_ptr<QApplication> m_application;
};

}  // namespace grokscope::cli
