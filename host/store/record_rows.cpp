// Reading the sweep, epochs and best rows of a store (see record_rows.h).
#include "store/record_rows.h"

#include "qrsweep/common.h"
#include "store/identity_rows.h"

namespace qrsweep::store_detail {

SweepRecord read_sweep_row(Db& db, const std::string& path) {
  Statement s(db,
              "SELECT space_toml, shard_index, shard_count, seed, trials, program_version, "
              "host, machine, backend, device, created_at, updated_at, wall_seconds "
              "FROM sweep WHERE id = 1");
  if (!s.step()) throw DataError(path + " is damaged: its sweep table has no row");
  SweepRecord r;
  r.identity.space_toml = s.text(0);
  r.identity.shard_index = static_cast<int>(s.integer(1));
  r.identity.shard_count = static_cast<int>(s.integer(2));
  r.seed = static_cast<uint64_t>(s.integer(3));
  r.trials = static_cast<int>(s.integer(4));
  r.program_version = s.text(5);
  r.host = s.text(6);
  r.machine = s.text(7);
  r.backend = s.text(8);
  r.device = s.text(9);
  r.created_at = s.text(10);
  r.updated_at = s.text(11);
  r.wall_seconds = s.real(12);
  read_identity_row(db, path, r);
  return r;
}

std::vector<EpochMetrics> read_epoch_rows(Db& db, int trial) {
  Statement s(db,
              "SELECT epoch, loss, accuracy, val_loss, val_accuracy, seconds FROM epochs "
              "WHERE trial = ? ORDER BY epoch");
  s.bind(1, trial);
  std::vector<EpochMetrics> out;
  while (s.step()) {
    EpochMetrics m;
    m.epoch = static_cast<int>(s.integer(0));
    m.loss = s.real(1);
    m.accuracy = s.real(2);
    m.val_loss = s.real(3);
    m.val_accuracy = s.real(4);
    m.seconds = s.real(5);
    out.push_back(m);
  }
  return out;
}

std::optional<TestRecord> read_test_row(Db& db) {
  Statement s(db,
              "SELECT trial, retrain_epochs, test_loss, test_accuracy, weights_path, "
              "config_path, seconds, backend, finished_at FROM best WHERE id = 1");
  if (!s.step()) return std::nullopt;
  TestRecord t;
  t.trial = static_cast<int>(s.integer(0));
  t.retrain_epochs = static_cast<int>(s.integer(1));
  t.test_loss = s.real(2);
  t.test_accuracy = s.real(3);
  t.weights_path = s.text(4);
  t.config_path = s.text(5);
  t.seconds = s.real(6);
  t.backend = s.text(7);
  t.finished_at = s.text(8);
  return t;
}

}  // namespace qrsweep::store_detail
