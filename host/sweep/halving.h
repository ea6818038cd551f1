// Successive halving's rules (docs/sweep.md#successive-halving), as one pure function of a
// cohort's results: what each trial does next. The pool (halving_pool.cpp) runs what it
// says; any job count, shard count or restart that reports the same histories gets the
// same answers.
#pragma once
#include <string>
#include <vector>

#include "qrsweep/space.h"
#include "qrsweep/store.h"

namespace qrsweep::halving {

// What the rules know of one trial of a cohort.
struct TrialState {
  int index = 0;                   // the plan's index (ties go to the lower)
  std::vector<double> val_losses;  // one per epoch trained so far
  bool ended = false;              // finished: by a rule of its own, by failing, or halved
};

enum class Action {
  kNone,   // finished, or nothing to do until the cohort gets further
  kTrain,  // train on until epoch `epochs` (from scratch or from its pause)
  kWait,   // paused at rung `rung`, waiting for the rest of its cohort to report there
  kHalve,  // stop it: paused at rung `rung` and not among the best of its cohort there
};
struct Decision {
  Action action = Action::kNone;
  int rung = 0;    // the rung it trains toward, waits at or is halved at (0-based)
  int epochs = 0;  // that rung's epochs
};

// `rungs` (space.h's schedule_rungs: ascending, the last is max_epochs) and `eta` for a
// cohort's trials (any order): a decision per trial, in the same order. Rung k is decided
// once every trial that entered it has reported (reached rungs[k] epochs or ended): the
// best floor(n_k / eta) of its n_k entrants by min val loss over their first rungs[k]
// epochs (NaN last; ties to the lower index) enter rung k + 1, except those that ended
// there; the others still paused there are halved. Every trial enters rung 0.
std::vector<Decision> decide(const std::vector<int>& rungs, int eta,
                             const std::vector<TrialState>& cohort);

// The rung a trial that trained `epochs` epochs got to: the first k with epochs <= rungs[k].
int rung_of(const std::vector<int>& rungs, int epochs);

// The rung trial `index` of a halving or hyperband sweep got to with `epochs` epochs:
// rung_of over the schedule's rungs, at least its cohort's first rung.
int trial_rung(const SearchSpace& space, int index, int epochs);

// The stop reason of a trial halved at rung k: "halved at rung k".
std::string halved_reason(int rung);

// "epochs 1, 3, 9, 27 and 100, cohorts of 81, eta 3" for the sweep's first line (hyperband:
// "..., brackets of 81, 34, 15, 8 and 5 trials, eta 3").
std::string describe_rungs(const SearchSpace& space);

// The epochs the sweep's trials trained in all against what the full schedule would train
// at most (every trial to max_epochs): "1234 of at most 30000 (halving schedule; ...)".
// The CLI's summary and the report say it in these words.
std::string budget_text(const SearchSpace& space, const std::vector<TrialRecord>& trials);
// The summary's last line: "Epochs trained : " + budget_text.
std::string budget_line(const SearchSpace& space, const std::vector<TrialRecord>& trials);

// The most epochs `space`'s schedule lets trials `indices` (whole cohorts: the plan, or a
// shard's rows) train: in each cohort every entrant of a rung trains to it and none stops
// early (n entrants, then floor(n / eta) at each next rung). The progress line's ETA counts
// down from it.
long long epoch_bound(const SearchSpace& space, const std::vector<int>& indices);

// What one rung cost: the trials that trained in it, those that went past it and those
// halved there, and the epochs trained inside it: a trial's epochs after the rung below
// (from 0 at its cohort's first rung) up to this rung's. Summed over the rungs, the epochs
// are the trials' epochs_run.
struct RungBudget {
  int rung = 0;
  int epochs = 0;         // the rung's epoch (schedule_rungs)
  int entered = 0;        // trials with an epoch inside it
  int promoted = 0;       // trials that trained past it
  int halved = 0;         // trials stopped there with halved_reason(rung)
  long long trained = 0;  // epochs trained inside it
};
// One per rung of the schedule (halving and hyperband), in rung order.
std::vector<RungBudget> rung_budgets(const SearchSpace& space,
                                     const std::vector<TrialRecord>& trials);

}  // namespace qrsweep::halving
