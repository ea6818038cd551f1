// Integer options: the text is parsed by int_range.h's rule (the one also used for the
// integers of config files), so a value outside the option's range is refused with exit
// status 2, naming the option, the value and the range; never clamped or wrapped.
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "config/int_range.h"

namespace qrsweep::cli {

template <typename T>
CLI::Option* add_int_option(CLI::App& sub, const std::string& name, T& target, int64_t min,
                            int64_t max, const std::string& help) {
  const std::string option = name.substr(0, name.find(','));
  return sub
      .add_option_function<std::string>(
          name,
          [&target, option, min, max](const std::string& text) {
            target = static_cast<T>(parse_int_range(option, text, min, max));
          },
          help + " [" + std::to_string(min) + ", " + std::to_string(max) + "]")
      ->type_name("INT");
}

// --threads and --jobs: CPU threads, or trials trained at once; 0 lets the command choose.
constexpr int64_t kMaxWorkers = 4096;
inline CLI::Option* add_workers_option(CLI::App& sub, const std::string& name, int& target,
                                       const std::string& help) {
  return add_int_option(sub, name, target, 0, kMaxWorkers, help);
}

// --data: a directory of IDX files in place of the config's or the space's [data].dir.
inline CLI::Option* add_data_dir_option(CLI::App& sub, std::string& dir) {
  return sub.add_option("--data", dir, "Directory of IDX files (overrides [data].dir)");
}

// --trials and --seed of the commands that read a search space (sweep, plan, slurm): the
// space's trial count or sweep seed replaced; unset, the space's own.
inline void add_space_overrides(CLI::App& sub, std::optional<int>& trials,
                                std::optional<uint64_t>& seed) {
  add_int_option(sub, "--trials", trials, 1, std::numeric_limits<int>::max(),
                 "Override the space's trial count");
  add_int_option(sub, "--seed", seed, 0, std::numeric_limits<int64_t>::max(),
                 "Override the space's sweep seed");
}

}  // namespace qrsweep::cli
