#pragma once
// The harness checks itself before the corpus: each detector (signal, timeout, idle
// hang, memory ceiling, stdout marker) must fire on a child built to trigger it, and
// the verdict must tell a clean refusal from near misses. A detector that never fires
// would make every case look clean.

#include <ostream>

namespace grokscope::fuzz {

// Returns the number of failed checks, each described on `out`.
int harnessSelfTest(std::ostream& out);

}  // namespace grokscope::fuzz
