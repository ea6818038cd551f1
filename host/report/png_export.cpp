// SVG -> PNG through rsvg-convert (see png_export.h). The SVG and the PNG are written in
// a private temporary directory beside the PNG (mkdtemp: a fresh name, mode 0700), so no
// shell quoting of the document is ever needed and nobody else who can write in the
// report's directory can redirect either file through a symlink; the PNG is then renamed
// into place under the output rule of atomic_file.h.
#include "report/png_export.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "io/atomic_file.h"
#include "qrsweep/common.h"

namespace qrsweep::report {
namespace {

constexpr const char* kTool = "rsvg-convert";

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The command's exit status and its output (stdout and stderr together).
int run(const std::string& cmd, std::string* output) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) throw Error("cannot run " + cmd);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) output->append(buf, n);
  const int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

void require_png_tool() {
  std::string out;
  if (run(std::string("command -v ") + kTool, &out) != 0)
    throw Error(std::string("--png needs ") + kTool +
                ", which is not installed: install Debian's librsvg2-bin "
                "(apt-get install librsvg2-bin), or leave out --png");
}

void svg_to_png(const std::string& svg, const std::string& png_path) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(png_path).parent_path();
  std::string pattern = ((dir.empty() ? fs::path(".") : dir) / ".qrsweep-png-XXXXXX").string();
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  if (!::mkdtemp(name.data()))
    throw Error("cannot write " + png_path +
                ": creating a temporary directory: " + std::strerror(errno));
  const std::string tmp_dir(name.data());
  struct Cleanup {
    const std::string& dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{tmp_dir};
  const std::string svg_path = tmp_dir + "/plot.svg", tmp_png = tmp_dir + "/plot.png";
  write_file_atomic(svg_path, svg);
  std::string out;
  const int rc = run(std::string(kTool) + " --zoom 2 --format png --output " +
                         shell_quote(tmp_png) + " " + shell_quote(svg_path),
                     &out);
  if (rc != 0) throw Error(std::string(kTool) + " failed on " + png_path + ": " + out);
  check_output_path(png_path);
  if (std::rename(tmp_png.c_str(), png_path.c_str()) != 0)
    throw Error("cannot write " + png_path + ": " + std::strerror(errno));
}

}  // namespace qrsweep::report
