// SVG -> PNG through rsvg-convert (see png_export.h). The SVG goes through a temporary
// file beside the PNG, so no shell quoting of the document is ever needed.
#include "report/png_export.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

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
  const std::string tmp = png_path + ".tmp-" + std::to_string(::getpid()) + ".svg";
  {
    std::ofstream f(tmp, std::ios::binary);
    f << svg;
    if (!f.flush()) throw Error("cannot write " + tmp);
  }
  std::string out;
  const int rc = run(std::string(kTool) + " --zoom 2 --format png --output " +
                         shell_quote(png_path) + " " + shell_quote(tmp),
                     &out);
  std::error_code ec;
  std::filesystem::remove(tmp, ec);
  if (rc != 0) throw Error(std::string(kTool) + " failed on " + png_path + ": " + out);
}

}  // namespace qrsweep::report
