// What makes stores parts of one sweep (sweep.h): the same space, the same data, the
// same plan. One rule for a resume, a merge and a report reading shards together.
#include <map>
#include <sstream>

#include "qrsweep/common.h"
#include "qrsweep/sampler.h"
#include "qrsweep/sweep.h"

namespace qrsweep {

SearchSpace stored_space(const std::string& path, const SweepRecord& sweep) {
  try {
    return parse_space_text(sweep.identity.space_toml, path + " (its stored space)");
  } catch (const ConfigError& e) {
    throw DataError(path + " is damaged: it holds a space this qrsweep cannot read (" + e.what() +
                    ")");
  }
}

std::vector<std::string> sweep_differences(const std::string& a_path, const SweepRecord& a,
                                           const std::string& b_path, const SweepRecord& b) {
  std::vector<std::string> out;
  if (a.identity.space_toml != b.identity.space_toml)
    out = diff_spaces(stored_space(a_path, a), stored_space(b_path, b));
  if (a.data && b.data)
    for (const std::string& d : data_differences(*a.data, *b.data)) out.push_back("data " + d);
  return out;
}

void check_same_sweep(const std::vector<StoredSweep>& stores, const std::string& advice) {
  if (stores.empty()) return;
  const StoredSweep& first = stores.front();
  const StoredSweep* with_data = nullptr;  // the first may be a merge that records none
  for (const StoredSweep& s : stores) {
    std::vector<std::string> diffs = sweep_differences(first.path, *first.sweep, s.path, *s.sweep);
    const StoredSweep* other = &first;
    if (diffs.empty() && with_data && s.sweep->data) {
      diffs = sweep_differences(with_data->path, *with_data->sweep, s.path, *s.sweep);
      other = with_data;
    }
    if (!with_data && s.sweep->data) with_data = &s;
    if (diffs.empty()) continue;
    std::ostringstream m;
    m << s.path << " belongs to another sweep than " << other->path << "; what differs ("
      << other->path << " -> " << s.path << "):";
    for (const std::string& d : diffs) m << "\n  " << d;
    m << "\n" << advice;
    throw ConfigError(m.str());
  }
}

void check_plan_rows(const std::string& path, const SweepRecord& sweep,
                     const std::vector<TrialRecord>& rows, const std::vector<TrialConfig>& plan,
                     bool every_row) {
  std::map<int, const TrialConfig*> by_index;
  for (const TrialConfig& c : plan) by_index[c.index] = &c;
  std::string fault;
  for (const TrialRecord& r : rows) {
    auto it = by_index.find(r.config.index);
    if (it == by_index.end()) {
      fault = "trial " + std::to_string(r.config.index) + " is not in the plan";
      break;
    }
    if (r.config != *it->second) {
      fault = "trial " + std::to_string(r.config.index) + " differs from the plan";
      break;
    }
    by_index.erase(it);
  }
  if (fault.empty() && every_row && !by_index.empty())
    fault = "trial " + std::to_string(by_index.begin()->first) + " of the plan is missing";
  if (fault.empty()) return;
  const int stored = sweep.plan_version > 0 ? sweep.plan_version : 1;
  if (stored != kPlanFormatVersion)
    throw ConfigError(path + ": " + fault +
                      " this qrsweep " QRSWEEP_VERSION " draws (plan format " +
                      std::to_string(kPlanFormatVersion) +
                      ") for the stored space: its trials were "
                      "drawn by plan format " +
                      std::to_string(stored) + " (qrsweep " + sweep.program_version +
                      "), which draws other trials; finish it with that qrsweep or start anew in "
                      "another directory");
  throw DataError(path + " is damaged: " + fault + " that plan format " + std::to_string(stored) +
                  " (the store's and this qrsweep's) draws for the stored space, so its trials "
                  "rows were changed outside qrsweep; restore it from a copy or start anew in "
                  "another directory");
}

std::string check_sweep_data(Store& store, const DataIdentity& loaded) {
  const SweepRecord stored = store.sweep();
  if (!stored.data) {
    store.record_identity(stored.plan_version > 0 ? stored.plan_version : kPlanFormatVersion,
                          loaded);
    return store.path() + " (written by qrsweep " + stored.program_version +
           ") recorded no identity of its data; recorded the data loaded now (" +
           std::to_string(loaded.train_rows) + " training and " + std::to_string(loaded.test_rows) +
           " test rows, content hash " + content_hash_hex(loaded.content_hash) +
           "): the trials kept from before are taken to have run on it";
  }
  const std::vector<std::string> diffs = data_differences(*stored.data, loaded);
  if (diffs.empty()) return "";
  std::ostringstream m;
  m << store.path() << " holds trials run on other data than "
    << "the data source gives now; what differs (stored -> now):";
  for (const std::string& d : diffs) m << "\n  " << d;
  m << "\nrestore the data the sweep began with, or start a new sweep in another directory";
  throw ConfigError(m.str());
}

}  // namespace qrsweep
