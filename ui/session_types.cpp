#include "session_types.h"

namespace grokscope::ui {

void registerSessionTypes()
{
    qRegisterMetaType<grokscope::EvalSnapshot>();
    qRegisterMetaType<grokscope::SpectrumSnapshot>();
    qRegisterMetaType<grokscope::RunEvent>();
    qRegisterMetaType<SessionState>();
    qRegisterMetaType<SessionProgress>();
    qRegisterMetaType<grokscope::MixingSettings>();
    qRegisterMetaType<grokscope::EntropyFloorSettings>();
    qRegisterMetaType<grokscope::NormMatchSettings>();
}

}  // namespace grokscope::ui
