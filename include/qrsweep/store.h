// The results store: one SQLite file per sweep (or shard) holding the sweep, its trials,
// their epochs and the best trial's test; every write committed before the call returns.
#pragma once
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "qrsweep/dataset.h"
#include "qrsweep/trainer.h"
#include "qrsweep/trial.h"

namespace qrsweep {

// PRAGMA user_version of the stores this build writes. A store with a higher version is
// refused and never modified. Version 2 added the sweep_identity table (the plan format
// and the data's identity); version 1 stores are read as they are, and a resume records
// what they lack (docs/sweep.md).
constexpr int kStoreSchemaVersion = 2;

enum class TrialStatus { kQueued, kRunning, kDone, kDiverged, kFailed };
const char* trial_status_name(TrialStatus s);             // "queued", "running", ...
TrialStatus parse_trial_status(const std::string& name);  // throws DataError
// Done, diverged and failed trials are finished: a resumed sweep keeps them.
bool is_finished(TrialStatus s);

// The store of a sweep directory, and of one shard of a sharded sweep.
std::string store_path(const std::string& dir);  // DIR/store.sqlite
std::string shard_store_path(const std::string& dir, int shard_index, int shard_count);
//                                                   DIR/shards/shard-<i>-of-<n>.sqlite
// The files in `folder` named as shard_store_path names shard stores, by shard count then
// index; empty ones (a shard whose store creation never committed) are left out. Merge
// and report take every file listed for a shard store: one they cannot read stops them
// (DataError, exit 3), it is never passed over as missing.
std::vector<std::string> shard_store_files(const std::string& folder);

// What makes two stores parts of the same sweep: the resolved space (to_toml: it holds
// the trial count, the seed and the data source) and the plan's shard.
struct SweepIdentity {
  std::string space_toml;
  int shard_index = 0;
  int shard_count = 1;
};

// The sweep table's one row.
struct SweepRecord {
  SweepIdentity identity;
  uint64_t seed = 0;
  int trials = 0;  // trials in the whole plan (not only this shard's)
  std::string program_version;
  std::string host;        // the host name of the last run
  std::string machine;     // e.g. "Linux 6.1.0 x86_64, 2 cores"
  std::string backend;     // backend of the last run: "cpu" or "cuda"
  std::string device;      // Backend::device() of the last run
  std::string created_at;  // ISO 8601 UTC with milliseconds: 2024-05-06T07:08:09.123Z
  std::string updated_at;
  double wall_seconds = 0;  // summed over every run of the sweep
  // The plan format (sampler.h's kPlanFormatVersion) that drew the trials rows, and the
  // data the trials ran on; 0 and nullopt where not recorded (a store written before
  // qrsweep recorded them, or a merge of such stores).
  int plan_version = 0;
  std::optional<DataIdentity> data;
};

struct TrialRecord {
  TrialConfig config;
  TrialStatus status = TrialStatus::kQueued;
  double min_val_loss = std::numeric_limits<double>::quiet_NaN();
  int min_val_loss_epoch = 0;  // 1-based, 0 when none
  double max_val_accuracy = std::numeric_limits<double>::quiet_NaN();
  int max_val_accuracy_epoch = 0;
  int epochs_run = 0;
  int64_t steps = 0;
  double seconds = 0;       // wall clock of the run that finished it
  std::string stop_reason;  // stop_reason_name(), "" until finished, "error" when failed
  std::string error;        // the exception's message for a failed trial
  std::string backend;      // the backend that ran it
  std::string started_at;   // ISO 8601 UTC with milliseconds; "" until it starts
  std::string finished_at;  // "" until it finishes
};

// The best trial retrained on every training row and evaluated on the test set
// (docs/sweep.md#qrsweep-sweep, step 6).
struct TestRecord {
  int trial = -1;
  int retrain_epochs = 0;
  double test_loss = std::numeric_limits<double>::quiet_NaN();
  double test_accuracy = std::numeric_limits<double>::quiet_NaN();
  std::string weights_path;  // relative to the sweep directory
  std::string config_path;   // relative to the sweep directory
  double seconds = 0;
  std::string backend;
  std::string finished_at;
};

// One write of a running sweep to a trial, for Store::write(): the sweep's writer gathers
// the writes that arrive while a commit is in flight into the next one (group commit,
// host/sweep/store_queue.h; what a crash can lose: docs/sweep.md, "Durability").
struct TrialWrite {
  enum class Kind { kStart, kEpoch, kFinish, kRequeue };
  Kind kind = Kind::kEpoch;
  int trial = -1;
  std::string backend;  // kStart: the backend that runs it
  EpochMetrics epoch;   // kEpoch
  TrialRecord record;   // kFinish: a finished status and the results
  // When it happened (started_at, finished_at), not when the batch is committed.
  std::chrono::system_clock::time_point at = std::chrono::system_clock::now();

  static TrialWrite start(int trial, const std::string& backend);  // mark_running
  static TrialWrite epoch_row(int trial, const EpochMetrics& m);   // add_epoch
  static TrialWrite finish(const TrialRecord& r);                  // finish_trial
  static TrialWrite requeue(int trial);                            // requeue
};

// One store file. Every method is safe to call from any thread: calls are serialised on
// one connection (SQLite's connection is used by one thread at a time).
class Store {
 public:
  // Creates `path` (it must not exist, or be an empty file left by a creation that never
  // committed) holding `sweep` and every `plan` row as queued, in one transaction.
  static std::unique_ptr<Store> create(const std::string& path, const SweepRecord& sweep,
                                       const std::vector<TrialConfig>& plan);
  // Opens an existing store. Throws DataError when the file is not a qrsweep store or is
  // damaged, Error when a newer qrsweep wrote it; in both cases the file is not modified.
  // Read-only (export, report, merge): nothing is written or created beside the file, no
  // -wal or -shm either, so a read-only directory or medium will do; each read is its
  // own snapshot and sees what a running sweep has committed by then; writes throw Error.
  static std::unique_ptr<Store> open(const std::string& path, bool read_only = false);
  // Whether `path` holds a committed store (false for a missing or empty file). Only reads,
  // as a read-only open does.
  static bool exists(const std::string& path);

  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& path() const { return path_; }
  int schema_version() const { return schema_version_; }

  // ---- reads
  SweepRecord sweep();
  std::vector<TrialRecord> trials();  // in index order
  std::optional<TrialRecord> trial(int index);
  std::vector<EpochMetrics> epochs(int trial);
  std::optional<TestRecord> test();
  int count(TrialStatus status);

  // ---- writes (each one transaction)
  // Every queued or running trial goes back to queued with its epoch rows deleted.
  // Returns how many were running (interrupted by a crash or a signal).
  int reset_unfinished();
  // Records this run's host, machine, backend and device; bumps updated_at.
  void record_run(const std::string& host, const std::string& machine, const std::string& backend,
                  const std::string& device);
  // Records the plan format and the data's identity, upgrading a version-1 store to the
  // current schema (one transaction).
  void record_identity(int plan_version, const DataIdentity& data);
  // Adds to the sweep's wall_seconds and bumps updated_at.
  void add_wall_seconds(double seconds);
  void mark_running(int trial, const std::string& backend);
  void add_epoch(int trial, const EpochMetrics& m);
  // Stores a finished trial's status and results (status must be finished).
  void finish_trial(const TrialRecord& r);
  // Back to queued with its epoch rows deleted (a trial stopped by a signal).
  void requeue(int trial);
  // The four writes above, in order, as one transaction: all of them are committed or none.
  void write(const std::vector<TrialWrite>& writes);
  void put_test(const TestRecord& t);
  // Replaces one trial's row and epochs wholesale (merging shard stores).
  void put_trial(const TrialRecord& r, const std::vector<EpochMetrics>& epochs);

 private:
  struct Impl;
  Store(std::unique_ptr<Impl> impl, std::string path, int version);
  std::unique_ptr<Impl> impl_;
  std::string path_;
  int schema_version_ = 0;
  std::mutex mu_;
};

}  // namespace qrsweep
