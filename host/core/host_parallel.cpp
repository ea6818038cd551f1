// host_threads (host_parallel.h).
#include "core/host_parallel.h"

#include "core/cores.h"

namespace qrsweep::packed {

int host_threads() { return std::min(usable_cores(), 16); }

}  // namespace qrsweep::packed
