// `qrsweep plan`: writes a search space's trial table (CSV or JSON) without training,
// whole or one shard of it, so a sweep can be inspected before it runs.
#include <cstdio>
#include <string>

#include "command.h"
#include "int_option.h"
#include "qrsweep/common.h"
#include "qrsweep/sampler.h"
#include "qrsweep/space.h"
#include "qrsweep/trial_table.h"

namespace qrsweep::cli {
namespace {

struct PlanOptions {
  std::string space;
  std::string out;
  std::optional<int> trials;  // unset: the space's
  std::optional<uint64_t> seed;
  std::string shard;
};

void run_plan(const PlanOptions& o) {
  SearchSpace space = parse_space_file(o.space);
  space.trials = o.trials.value_or(space.trials);
  space.seed = o.seed.value_or(space.seed);
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

void options(CLI::App& sub, PlanOptions& o) {
  sub.add_option("--space", o.space, "search-space TOML file (docs/space.md)")
      ->required()
      ->type_name("FILE");
  sub.add_option("--out", o.out, "output table: FILE.csv or FILE.json")
      ->required()
      ->type_name("FILE");
  add_space_overrides(sub, o.trials, o.seed);
  sub.add_option("--shard", o.shard,
                 "only the trials with index % n == i (0-based), as shard i of n runs them")
      ->type_name("i/n");
}

const Command<PlanOptions> kCommand("plan",
                                    "write the trial table of a search space without training", 20,
                                    options, run_plan);

}  // namespace
}  // namespace qrsweep::cli
