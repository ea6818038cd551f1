// A paused trial on disk (successive halving, docs/sweep.md#successive-halving): its
// epochs so far, its steps, its weights and its optimizer's state, in one file of the
// sweep directory, so that a resumed sweep continues it instead of training it again.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "qrsweep/store.h"
#include "qrsweep/trainer.h"
#include "qrsweep/trial.h"
#include "qrsweep/weights.h"

namespace qrsweep::sweep_detail {

struct PausedTrial {
  int trial = -1;
  TrialResult so_far;  // history and steps (the rest is summarize_history's)
  Weights weights;
  std::vector<float> optimizer;  // TrialSession::optimizer_state()
};

// DIR/paused/trial-<index>.bin
std::string paused_path(const std::string& sweep_dir, int trial);

// Writes `p` to paused_path atomically (io/atomic_file.h), creating DIR/paused when needed.
void write_paused(const std::string& sweep_dir, const PausedTrial& p);

// The paused state of trial `cfg` (widths: cfg.widths(dim, classes)), nullopt when there is
// no file. A file that is damaged or belongs to another trial also gives nullopt, with
// `*problem` saying why: the trial is then trained from its start again, which gives the
// same epochs.
std::optional<PausedTrial> read_paused(const std::string& sweep_dir, int trial,
                                       const std::vector<int>& widths, std::string* problem);

// Removes trial's file, if any (once its end is committed).
void remove_paused(const std::string& sweep_dir, int trial);

// Before a halving sweep (or shard) runs: removes from DIR/paused the files of its finished
// trials (a stop came between the commit of a trial's end and the removal of its file) and
// the temporary files a killed process left while writing one of its trials' files
// (io/atomic_file.h names them `trial-<i>.bin.tmp.<pid>.<n>`). `trials` are the rows of the
// store this process holds locked: no other process writes their files. Returns how many
// unfinished trials have a paused file (the run continues them from it).
int tidy_paused(const std::string& sweep_dir, const std::vector<TrialRecord>& trials);

}  // namespace qrsweep::sweep_detail
