// How many cores this process may use.
#pragma once

namespace qrsweep {

// The affinity mask's CPU count (what Slurm's --cpus-per-task or a cgroup grants), not the
// whole node's; hardware_concurrency where the mask cannot be read; at least 1.
int usable_cores();

}  // namespace qrsweep
