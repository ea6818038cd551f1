// Everything a report shows, read from a sweep's store(s) read-only: works on a running
// (WAL), interrupted, finished or sharded sweep.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "qrsweep/space.h"
#include "qrsweep/store.h"

namespace qrsweep::report {

struct ReportTrial {
  TrialRecord record;
  std::vector<EpochMetrics> epochs;
  double finished_s;  // seconds after the sweep's first trial started; NaN if unfinished
};

struct StoreRun {  // one store's record of the runs that wrote it
  std::string path;
  SweepRecord sweep;
};

struct SweepData {
  std::string dir;                  // where the report goes by default
  std::vector<StoreRun> stores;     // the stores read, shard order
  std::vector<std::string> notes;   // partial-data and source notes for the reader
  SearchSpace space;                // the sweep's resolved space
  int planned_trials = 0;           // trials in the whole plan
  std::vector<ReportTrial> trials;  // every trial row read, index order
  std::optional<TestRecord> test;   // the best trial's retrain + test, when run
  bool have_times = false;          // the stores carry start/finish timestamps
  double start_utc;                 // when the first trial started (epoch seconds) or NaN
};

// Reads a sweep directory or a store file (store_sources.h). Throws Error / DataError
// naming the file when a store cannot be read.
SweepData load_sweep_data(const std::string& target);

}  // namespace qrsweep::report
