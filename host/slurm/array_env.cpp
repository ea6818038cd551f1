// The shard of a Slurm array task from its environment (slurm.h): the task's place in
// the array's index range, so arrays that start at 0 or at 1 both work.
#include <cstdlib>
#include <optional>
#include <string>

#include "qrsweep/common.h"
#include "qrsweep/slurm.h"

namespace qrsweep {

namespace {

// A variable's value as a non-negative integer; nullopt when it is not set.
std::optional<long long> read_count(const EnvLookup& env, const char* name) {
  const char* v = env(name);
  if (!v) return std::nullopt;
  const std::string s(v);
  bool digits = !s.empty() && s.size() <= 12;
  for (char c : s) digits = digits && c >= '0' && c <= '9';
  if (!digits)
    throw ConfigError(std::string(name) + "='" + s +
                      "' is not a non-negative integer; pass "
                      "--shard i/n to choose the shard");
  return std::stoll(s);
}

std::string var(const char* name, long long v) {
  return std::string(name) + "=" + std::to_string(v);
}

}  // namespace

std::optional<Shard> shard_from_array_env(const EnvLookup& env) {
  const auto id = read_count(env, "SLURM_ARRAY_TASK_ID");
  if (!id) return std::nullopt;
  const auto min = read_count(env, "SLURM_ARRAY_TASK_MIN");
  const auto max = read_count(env, "SLURM_ARRAY_TASK_MAX");
  const auto step_var = read_count(env, "SLURM_ARRAY_TASK_STEP");
  const auto count = read_count(env, "SLURM_ARRAY_TASK_COUNT");
  const std::string hint = "; pass --shard i/n to choose the shard";
  long long index = 0;
  long long n = 0;
  if (min && max) {
    const long long step = step_var ? *step_var : 1;
    if (step < 1) throw ConfigError(var("SLURM_ARRAY_TASK_STEP", step) + " is not a step" + hint);
    if (*min > *max || *id < *min || *id > *max)
      throw ConfigError(var("SLURM_ARRAY_TASK_ID", *id) + " is outside " +
                        var("SLURM_ARRAY_TASK_MIN", *min) + ".." +
                        var("SLURM_ARRAY_TASK_MAX", *max) + hint);
    if ((*id - *min) % step != 0 || (*max - *min) % step != 0)
      throw ConfigError(var("SLURM_ARRAY_TASK_ID", *id) + " is not on the array's range " +
                        std::to_string(*min) + "-" + std::to_string(*max) + ":" +
                        std::to_string(step) + hint);
    index = (*id - *min) / step;
    n = (*max - *min) / step + 1;
    if (count && *count != n)
      throw ConfigError("the array is not one range of task ids (" +
                        var("SLURM_ARRAY_TASK_COUNT", *count) + ", but " + std::to_string(*min) +
                        "-" + std::to_string(*max) + ":" + std::to_string(step) + " holds " +
                        std::to_string(n) + ")" + hint);
  } else if (count) {
    index = *id;
    n = *count;
    if (index >= n)
      throw ConfigError(var("SLURM_ARRAY_TASK_ID", *id) + " is not below " +
                        var("SLURM_ARRAY_TASK_COUNT", *count) +
                        " (and SLURM_ARRAY_TASK_MIN/MAX "
                        "are not set)" +
                        hint);
  } else {
    throw ConfigError(var("SLURM_ARRAY_TASK_ID", *id) +
                      " is set, but neither "
                      "SLURM_ARRAY_TASK_MIN/MAX nor SLURM_ARRAY_TASK_COUNT is" +
                      hint);
  }
  if (n > 1000000) throw ConfigError("an array of " + std::to_string(n) + " tasks" + hint);
  return Shard{static_cast<int>(index), static_cast<int>(n)};
}

std::optional<Shard> shard_from_slurm_env() {
  return shard_from_array_env([](const char* name) { return std::getenv(name); });
}

}  // namespace qrsweep
