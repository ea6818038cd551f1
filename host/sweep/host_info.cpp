// Host name and machine description for the store's sweep row (see host_info.h).
#include "sweep/host_info.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <thread>

namespace qrsweep::sweep_detail {

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "unknown";
  return buf;
}

std::string machine_description() {
  struct utsname u {};
  std::string s = uname(&u) == 0 ? std::string(u.sysname) + " " + u.release + " " + u.machine
                                 : std::string("unknown system");
  unsigned cores = std::thread::hardware_concurrency();
  return s + ", " + std::to_string(cores ? cores : 1) + " cores";
}

}  // namespace qrsweep::sweep_detail
