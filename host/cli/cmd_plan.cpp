// `qrsweep plan`: writes a search space's trial table (CSV or JSON) without training,
// whole or one shard of it, so a sweep can be inspected before it runs.
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>

#include "command.h"
#include "qrsweep/common.h"
#include "qrsweep/sampler.h"
#include "qrsweep/space.h"
#include "qrsweep/trial_table.h"

namespace qrsweep::cli {
namespace {

struct PlanOptions {
  std::string space;
  std::string out;
  std::string trials;
  std::string seed;
  std::string shard;
};

// A decimal integer in [min, max], or ConfigError naming the option and the text.
int64_t parse_integer(const std::string& option, const std::string& text, int64_t min,
                      int64_t max) {
  bool digits = !text.empty() && text.size() <= 19;
  for (char c : text) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  long long v = digits ? std::strtoll(text.c_str(), nullptr, 10) : -1;
  if (!digits || v < min || v > max)
    throw ConfigError(option + " = \"" + text + "\": expected an integer in [" +
                      std::to_string(min) + ", " + std::to_string(max) + "]");
  return v;
}

void run_plan(const PlanOptions& o) {
  SearchSpace space = parse_space_file(o.space);
  if (!o.trials.empty())
    space.trials =
        static_cast<int>(parse_integer("--trials", o.trials, 1, std::numeric_limits<int>::max()));
  if (!o.seed.empty())
    space.seed = static_cast<uint64_t>(
        parse_integer("--seed", o.seed, 0, std::numeric_limits<int64_t>::max()));
  validate_space(space, o.space + " with the command-line overrides");
  Shard shard = o.shard.empty() ? Shard{} : parse_shard(o.shard);
  std::vector<TrialConfig> rows = make_plan_rows(space, shard.index, shard.count);
  write_table(plan_table(rows), o.out);
  if (shard.count > 1)
    std::printf("wrote %zu rows (shard %d/%d of %d trials) to %s\n", rows.size(), shard.index,
                shard.count, space.trials, o.out.c_str());
  else
    std::printf("wrote %zu rows to %s\n", rows.size(), o.out.c_str());
}

void setup(CLI::App& sub) {
  auto o = std::make_shared<PlanOptions>();
  sub.add_option("--space", o->space, "search-space TOML file (docs/space.md)")
      ->required()
      ->type_name("FILE");
  sub.add_option("--out", o->out, "output table: FILE.csv or FILE.json")
      ->required()
      ->type_name("FILE");
  sub.add_option("--trials", o->trials, "override the space's trial count")->type_name("N");
  sub.add_option("--seed", o->seed, "override the space's sweep seed")->type_name("S");
  sub.add_option("--shard", o->shard,
                 "only the trials with index % n == i (0-based), as shard i of n runs them")
      ->type_name("i/n");
  sub.callback([o] { run_plan(*o); });
}

const Registrar kRegistrar("plan", "write the trial table of a search space without training", 20,
                           setup);

}  // namespace
}  // namespace qrsweep::cli
