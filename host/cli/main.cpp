// qrsweep's entry point: builds the CLI from the registered subcommands and turns
// library errors into messages and exit codes (docs/style.md#errors-by-layer).
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>

#include "command.h"
#include "io/input_file.h"
#include "qrsweep/common.h"

namespace qrsweep::cli {
std::vector<CommandInfo>& command_registry() {
  static std::vector<CommandInfo> registry;
  return registry;
}

namespace {
// A message on stderr with its control characters (but line breaks and tabs) written as
// \xNN: a file name holding an escape sequence cannot drive the terminal.
void print_error(const char* what) {
  std::string line = "qrsweep: error: ";
  for (const char* p = what; *p; ++p) {
    const unsigned char u = static_cast<unsigned char>(*p);
    if ((u < 0x20 && u != '\n' && u != '\t') || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      line += buf;
    } else {
      line += *p;
    }
  }
  std::fprintf(stderr, "%s\n", line.c_str());
}
}  // namespace
}  // namespace qrsweep::cli

int main(int argc, char** argv) {
  using namespace qrsweep;
  remember_inputs();  // no output of this command may replace one of its inputs
  CLI::App app{"qrsweep: quasi-random hyperparameter sweeps of MLPs, many trials at once"};
#ifdef QRSWEEP_HAVE_CUDA
  const char* backends = " (backends: cpu, cuda)";
#else
  const char* backends = " (backends: cpu)";
#endif
  app.set_version_flag("--version", std::string("qrsweep ") + QRSWEEP_VERSION + backends);
  app.require_subcommand(1);
  auto& registry = cli::command_registry();
  std::sort(registry.begin(), registry.end(),
            [](const auto& a, const auto& b) { return a.order < b.order; });
  for (auto& c : registry) c.setup(*app.add_subcommand(c.name, c.help));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  } catch (const ConfigError& e) {
    cli::print_error(e.what());
    return 2;
  } catch (const DataError& e) {
    cli::print_error(e.what());
    return 3;
  } catch (const std::exception& e) {
    cli::print_error(e.what());
    return 1;
  }
  return 0;
}
