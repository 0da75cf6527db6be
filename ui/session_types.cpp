#include "session_types.h"

namespace grokscope::ui {

void registerSessionTypes()
{
    qRegisterMetaType<grokscope::EvalSnapshot>();
    qRegisterMetaType<grokscope::SpectrumSnapshot>();
    qRegisterMetaType<grokscope::RunEvent>();
    qRegisterMetaType<SessionState>();
    qRegisterMetaType<SessionProgress>();
}

}  // namespace grokscope::ui
