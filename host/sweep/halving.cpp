// Successive halving's decisions (halving.h).
#include "sweep/halving.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace qrsweep::halving {

namespace {

// Min val loss over the first `epochs` epochs; NaN when none is a number.
double min_loss_until(const std::vector<double>& losses, int epochs) {
  double best = std::numeric_limits<double>::quiet_NaN();
  const size_t n = std::min(losses.size(), static_cast<size_t>(epochs));
  for (size_t i = 0; i < n; ++i)
    if (!std::isnan(losses[i]) && (std::isnan(best) || losses[i] < best)) best = losses[i];
  return best;
}

}  // namespace

std::vector<Decision> decide(const std::vector<int>& rungs, int eta,
                             const std::vector<TrialState>& cohort) {
  std::vector<Decision> out(cohort.size());
  std::vector<size_t> entrants(cohort.size());
  for (size_t i = 0; i < cohort.size(); ++i) entrants[i] = i;
  const int last = static_cast<int>(rungs.size()) - 1;
  for (int k = 0; k <= last && !entrants.empty(); ++k) {
    const int target = rungs[k];
    bool reported = true;
    for (size_t e : entrants) {
      const TrialState& t = cohort[e];
      if (t.ended) continue;
      if (static_cast<int>(t.val_losses.size()) < target) {
        out[e] = {Action::kTrain, k, target};
        reported = false;
      } else {
        out[e] = {Action::kWait, k, target};
      }
    }
    if (!reported || k == last) return out;
    // Everyone has reported at rung k: rank, promote, halve.
    struct Ranked {
      double loss;
      int index;
      size_t at;
    };
    std::vector<Ranked> ranked;
    for (size_t e : entrants)
      ranked.push_back({min_loss_until(cohort[e].val_losses, target), cohort[e].index, e});
    std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
      const bool an = std::isnan(a.loss), bn = std::isnan(b.loss);
      if (an != bn) return bn;  // numbers before NaN
      if (!an && a.loss != b.loss) return a.loss < b.loss;
      return a.index < b.index;
    });
    const size_t promoted = entrants.size() / static_cast<size_t>(eta);
    std::vector<size_t> next;
    for (size_t r = 0; r < ranked.size(); ++r) {
      const size_t e = ranked[r].at;
      const TrialState& t = cohort[e];
      const bool ended_here = t.ended && static_cast<int>(t.val_losses.size()) <= target;
      if (r < promoted) {
        out[e] = {};
        if (!ended_here) next.push_back(e);
      } else {
        out[e] = t.ended ? Decision{} : Decision{Action::kHalve, k, target};
      }
    }
    std::sort(next.begin(), next.end());
    entrants = std::move(next);
  }
  return out;
}

int rung_of(const std::vector<int>& rungs, int epochs) {
  for (size_t k = 0; k < rungs.size(); ++k)
    if (epochs <= rungs[k]) return static_cast<int>(k);
  return static_cast<int>(rungs.size()) - 1;
}

std::string halved_reason(int rung) { return "halved at rung " + std::to_string(rung); }

std::string describe_rungs(const SearchSpace& space) {
  const std::vector<int> rungs = schedule_rungs(space.schedule, space.max_epochs);
  std::string out = "epochs ";
  for (size_t k = 0; k < rungs.size(); ++k)
    out += (k == 0 ? "" : k + 1 == rungs.size() ? " and " : ", ") + std::to_string(rungs[k]);
  if (space.schedule.kind == ScheduleKind::kHyperband) {
    out += ", hyperband brackets of ";
    for (size_t b = 0; b < rungs.size(); ++b) {
      // Bracket b's size, as cohort_of lays the first cycle out (capped by the plan).
      int first = 0;
      for (int i = 0; i < space.trials;) {
        const Cohort c = cohort_of(space.schedule, space.max_epochs, space.trials, i);
        if (c.first_rung == static_cast<int>(b)) {
          first = c.size;
          break;
        }
        i = c.first + c.size;
      }
      if (first == 0) break;
      out += (b == 0 ? "" : ", ") + std::to_string(first);
    }
    return out + " trials, eta " + std::to_string(space.schedule.eta);
  }
  return out + ", cohorts of " +
         std::to_string(cohort_size(space.schedule, space.max_epochs, space.trials)) + ", eta " +
         std::to_string(space.schedule.eta);
}

int trial_rung(const SearchSpace& space, int index, int epochs) {
  const std::vector<int> rungs = schedule_rungs(space.schedule, space.max_epochs);
  const Cohort c = cohort_of(space.schedule, space.max_epochs, space.trials, index);
  return std::max(c.first_rung, rung_of(rungs, epochs));
}

std::string budget_text(const SearchSpace& space, const std::vector<TrialRecord>& trials) {
  long long run = 0;
  for (const TrialRecord& t : trials) run += t.epochs_run;
  const long long bound = static_cast<long long>(space.trials) * space.max_epochs;
  return std::to_string(run) + " of at most " + std::to_string(bound) + " (" +
         schedule_kind_name(space.schedule.kind) +
         " schedule; the full one trains every "
         "trial until early stopping or max_epochs)";
}

std::string budget_line(const SearchSpace& space, const std::vector<TrialRecord>& trials) {
  return "Epochs trained : " + budget_text(space, trials);
}

long long epoch_bound(const SearchSpace& space, const std::vector<int>& indices) {
  const std::vector<int> rungs = schedule_rungs(space.schedule, space.max_epochs);
  std::map<int, std::pair<int, int>> cohorts;  // number -> (first rung, trials)
  for (int i : indices) {
    const Cohort c = cohort_of(space.schedule, space.max_epochs, space.trials, i);
    cohorts[c.number].first = c.first_rung;
    ++cohorts[c.number].second;
  }
  long long bound = 0;
  for (const auto& [number, c] : cohorts) {
    long long entrants = c.second;
    for (size_t k = static_cast<size_t>(c.first); k < rungs.size() && entrants > 0; ++k) {
      const int below = static_cast<int>(k) == c.first ? 0 : rungs[k - 1];
      bound += entrants * (rungs[k] - below);
      entrants /= space.schedule.eta;
    }
  }
  return bound;
}

std::vector<RungBudget> rung_budgets(const SearchSpace& space,
                                     const std::vector<TrialRecord>& trials) {
  const std::vector<int> rungs = schedule_rungs(space.schedule, space.max_epochs);
  std::vector<RungBudget> out(rungs.size());
  for (size_t k = 0; k < rungs.size(); ++k) {
    out[k].rung = static_cast<int>(k);
    out[k].epochs = rungs[k];
  }
  for (const TrialRecord& t : trials) {
    const int first =
        cohort_of(space.schedule, space.max_epochs, space.trials, t.config.index).first_rung;
    for (size_t k = static_cast<size_t>(first); k < rungs.size(); ++k) {
      const int below = static_cast<int>(k) == first ? 0 : rungs[k - 1];
      if (t.epochs_run <= below) break;
      RungBudget& b = out[k];
      ++b.entered;
      b.trained += std::min(t.epochs_run, rungs[k]) - below;
      if (t.epochs_run > rungs[k]) ++b.promoted;
      if (t.stop_reason == halved_reason(static_cast<int>(k))) ++b.halved;
    }
  }
  return out;
}

}  // namespace qrsweep::halving
