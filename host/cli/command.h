// The CLI's subcommand registry: each cmd_<name>.cpp registers itself with a static
// Registrar, so adding a command touches only its own file.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "qrsweep/backend.h"

namespace qrsweep::cli {

// Builds the subcommand's options and its callback on `sub`. The callback throws
// qrsweep errors; main() maps them to exit codes (config 2, data 3, other 1).
using CommandSetup = std::function<void(CLI::App& sub)>;

struct CommandInfo {
  std::string name;
  std::string help;
  int order;  // position in --help
  CommandSetup setup;
};

std::vector<CommandInfo>& command_registry();

// --backend on `sub`, its help `what` followed by the choices and what the default picks.
inline CLI::Option* add_backend_option(CLI::App& sub, std::string* backend,
                                       const std::string& what = "Backend") {
  return sub
      .add_option("--backend", *backend,
                  what + ": cpu, cuda or auto (auto: cuda when a usable GPU is found, else cpu)")
      ->capture_default_str()
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
}

// --cuda-gemm, --cuda-sync and --no-cuda-graphs on `sub`, into *modes (BackendOptions::cuda).
inline void add_cuda_mode_options(CLI::App& sub, CudaModes* modes) {
  sub.add_option_function<std::string>(
         "--cuda-gemm", [modes](const std::string& v) { modes->cublas = v == "cublas"; },
         "cuda: GEMM engine, own (the project's grouped kernels, default) or cublas")
      ->check(CLI::IsMember({"own", "cublas"}));
  sub.add_flag("--cuda-sync", modes->sync_each_op,
               "cuda: synchronize after every op, so an error names the op that raised it");
  sub.add_flag(
      "--no-cuda-graphs", [modes](int64_t) { modes->graphs = false; },
      "cuda: launch every op directly instead of replaying recurring steps from CUDA Graphs");
}

struct Registrar {
  Registrar(std::string name, std::string help, int order, CommandSetup setup) {
    command_registry().push_back({std::move(name), std::move(help), order, std::move(setup)});
  }
};

// A subcommand whose `options` fill an Args and whose callback calls `run` on it. The
// callback owns the Args, so it lives as long as the parser that fills it.
template <typename Args>
struct Command : Registrar {
  Command(std::string name, std::string help, int order,
          std::function<void(CLI::App&, Args&)> options, std::function<void(Args&)> run)
      : Registrar(std::move(name), std::move(help), order, [options, run](CLI::App& sub) {
          auto args = std::make_shared<Args>();
          options(sub, *args);
          sub.callback([args, run] { run(*args); });
        }) {}
};

}  // namespace qrsweep::cli
