// The CPU reference backend: trains one trial at a time with the ops of cpu/ops.h.
#pragma once
#include <memory>

#include "qrsweep/backend.h"

namespace qrsweep {
std::unique_ptr<Backend> make_cpu_backend(const BackendOptions& opt);
}
