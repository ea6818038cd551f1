// The running executable's absolute path (slurm.h), so the scripts run this very qrsweep
// on the compute nodes, whatever PATH holds there.
#include <filesystem>

#include "qrsweep/common.h"
#include "qrsweep/slurm.h"

namespace qrsweep {

std::string self_executable() {
  std::error_code ec;
  const std::filesystem::path p = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec || !p.is_absolute())
    throw Error("cannot find the qrsweep executable's path (/proc/self/exe: " + ec.message() + ")");
  return p.string();
}

}  // namespace qrsweep
