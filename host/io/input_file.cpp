// Regular-file inputs (see input_file.h). The file is opened non-blocking, so that
// opening a FIFO returns at once, and checked with fstat on the descriptor that is then
// read: no window between the check and the read.
#include "io/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>
#include <set>
#include <utility>

#include "io/unique_fd.h"
#include "qrsweep/common.h"

namespace qrsweep {

namespace {

std::mutex inputs_mutex;
bool remembering = false;  // guarded by inputs_mutex
std::set<std::pair<dev_t, ino_t>>& inputs() {
  static std::set<std::pair<dev_t, ino_t>> files;
  return files;
}

const char* file_type(mode_t mode) {
  if (S_ISDIR(mode)) return "it is a directory, not a file";
  if (S_ISFIFO(mode)) return "it is a FIFO (named pipe), not a regular file";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "it is a device, not a regular file";
  if (S_ISSOCK(mode)) return "it is a socket, not a regular file";
  return "it is not a regular file";
}

class Reader {
 public:
  Reader(const std::string& path, InputKind kind) : path_(path), kind_(kind) {}
  [[noreturn]] void fail(const std::string& fault) const {
    const std::string msg = printable_path(path_) + ": " + fault;
    if (kind_ == InputKind::kConfig) throw ConfigError(msg);
    throw DataError(msg);
  }

 private:
  const std::string& path_;
  InputKind kind_;
};

using Fd = UniqueFd;

template <typename Bytes>
Bytes read_input(const std::string& path, InputKind kind, std::string what, uint64_t limit) {
  if (!what.empty()) what = " " + what;
  const Reader r(path, kind);
  if (path.find('\0') != std::string::npos)
    r.fail("cannot open" + what + ": the name holds a NUL byte");
  Fd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (fd.get() < 0) r.fail("cannot open" + what + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) r.fail("cannot read" + what + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) r.fail("cannot read" + what + ": " + file_type(st.st_mode));
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags >= 0) ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const auto too_large = [&](uint64_t n) {
    r.fail("cannot read" + what + ": it is larger than " + std::to_string(limit) + " bytes (" +
           std::to_string(n) + " or more)");
  };
  if (size > limit) too_large(size);
  Bytes bytes;
  try {
    // The size at open is a hint: the file may still grow (or be a /proc file of size 0).
    bytes.resize(static_cast<size_t>(size) + 1);
    size_t used = 0;
    for (;;) {
      if (used == bytes.size()) {
        if (used > limit) too_large(used);
        bytes.resize(std::min<uint64_t>(limit + 1, std::max<uint64_t>(2 * used, 1 << 16)));
      }
      const ssize_t n = ::read(fd.get(), bytes.data() + used, bytes.size() - used);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) r.fail("cannot read" + what + ": " + std::strerror(errno));
      if (n == 0) break;
      used += static_cast<size_t>(n);
    }
    if (used > limit) too_large(used);
    bytes.resize(used);
  } catch (const std::bad_alloc&) {
    r.fail("cannot read" + what + ": not enough memory for its " + std::to_string(size) + " bytes");
  }
  std::lock_guard<std::mutex> lock(inputs_mutex);
  if (remembering) inputs().insert({st.st_dev, st.st_ino});
  return bytes;
}

}  // namespace

std::string read_input_file(const std::string& path, InputKind kind, const std::string& what,
                            uint64_t limit) {
  return read_input<std::string>(path, kind, what, limit);
}

std::vector<uint8_t> read_input_bytes(const std::string& path, InputKind kind,
                                      const std::string& what, uint64_t limit) {
  return read_input<std::vector<uint8_t>>(path, kind, what, limit);
}

void remember_inputs() {
  std::lock_guard<std::mutex> lock(inputs_mutex);
  remembering = true;
}

bool is_input_file(dev_t dev, ino_t ino) {
  std::lock_guard<std::mutex> lock(inputs_mutex);
  return inputs().count({dev, ino}) > 0;
}

std::string printable_path(const std::string& path) {
  std::string out;
  for (char c : path) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      if (c == '\\') out += '\\';
      out += c;
    }
  }
  return out;
}

}  // namespace qrsweep
