// Where a sweep runs, as the store records it: the host's name and a one-line
// description of the machine.
#pragma once
#include <string>

namespace qrsweep::sweep_detail {

std::string host_name();            // gethostname(), "unknown" when it fails
std::string machine_description();  // e.g. "Linux 6.1.0-18-amd64 x86_64, 2 cores"

}  // namespace qrsweep::sweep_detail
