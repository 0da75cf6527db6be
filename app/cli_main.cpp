// grokscope-cli: trains and inspects runs headless. It never needs a display: the
// only Qt it links draws the replication report's figures on the offscreen platform.

#include "cli_dispatch.h"

int main(int argc, char** argv)
{
    return grokscope::cli::dispatch(argc, argv);
}
