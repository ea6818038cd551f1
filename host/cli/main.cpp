// qrsweep's entry point: builds the CLI from the registered subcommands and turns
// library errors into messages and exit codes (STYLE practice 7).
#include <algorithm>
#include <cstdio>
#include <exception>

#include "command.h"
#include "io/input_file.h"
#include "qrsweep/common.h"

namespace qrsweep::cli {
std::vector<CommandInfo>& command_registry() {
  static std::vector<CommandInfo> registry;
  return registry;
}
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
    std::fprintf(stderr, "qrsweep: error: %s\n", e.what());
    return 2;
  } catch (const DataError& e) {
    std::fprintf(stderr, "qrsweep: error: %s\n", e.what());
    return 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "qrsweep: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
