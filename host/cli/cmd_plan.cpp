// `qrsweep plan`: writes a search space's trial table (CSV or JSON) without training,
// whole or one shard of it, so a sweep can be inspected before it runs.
#include <cstdio>
#include <limits>
#include <memory>
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
  int64_t trials = -1;  // -1: the space's
  int64_t seed = -1;
  std::string shard;
};

void run_plan(const PlanOptions& o) {
  SearchSpace space = parse_space_file(o.space);
  if (o.trials >= 0) space.trials = static_cast<int>(o.trials);
  if (o.seed >= 0) space.seed = static_cast<uint64_t>(o.seed);
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
  add_int_option(sub, "--trials", o->trials, 1, std::numeric_limits<int>::max(),
                 "override the space's trial count");
  add_int_option(sub, "--seed", o->seed, 0, std::numeric_limits<int64_t>::max(),
                 "override the space's sweep seed");
  sub.add_option("--shard", o->shard,
                 "only the trials with index % n == i (0-based), as shard i of n runs them")
      ->type_name("i/n");
  sub.callback([o] { run_plan(*o); });
}

const Registrar kRegistrar("plan", "write the trial table of a search space without training", 20,
                           setup);

}  // namespace
}  // namespace qrsweep::cli
