// TrialRecord <-> trials row (see trial_row.h).
#include "store/trial_row.h"

#include "qrsweep/common.h"
#include "store/schema.h"

namespace qrsweep::store_detail {

void bind_trial(Statement& s, int first, const TrialRecord& r) {
  const TrialConfig& c = r.config;
  int i = first;
  s.bind(i++, c.index);
  s.bind(i++, static_cast<int64_t>(c.seed));
  s.bind(i++, std::string(structure_name(c.structure)));
  s.bind(i++, c.hidden_layers);
  s.bind(i++, std::string(activation_name(c.activation)));
  s.bind(i++, c.allow_dropout);
  s.bind(i++, c.allow_momentum);
  for (int k = 3; k <= kMaxHiddenLayers; ++k) s.bind(i++, c.hidden_layers >= k);
  for (int k = 0; k < kMaxHiddenLayers; ++k) s.bind(i++, static_cast<bool>(c.dropout[k]));
  for (int k = 0; k < kMaxHiddenLayers; ++k) s.bind(i++, c.sizes[k]);
  for (int k = 0; k < kMaxHiddenLayers; ++k) s.bind(i++, c.dropout_rate[k]);
  s.bind(i++, c.learning_rate);
  s.bind(i++, c.momentum);
  s.bind(i++, c.batch_size);
  s.bind(i++, c.max_epochs);
  s.bind(i++, c.patience);
  s.bind(i++, std::string(trial_status_name(r.status)));
  s.bind(i++, r.min_val_loss);
  s.bind(i++, r.min_val_loss_epoch);
  s.bind(i++, r.max_val_accuracy);
  s.bind(i++, r.max_val_accuracy_epoch);
  s.bind(i++, r.epochs_run);
  s.bind(i++, r.steps);
  s.bind(i++, r.seconds);
  s.bind(i++, r.stop_reason);
  s.bind(i++, r.error);
  s.bind(i++, r.backend);
  if (r.started_at.empty())
    s.bind_null(i++);
  else
    s.bind(i++, r.started_at);
  if (r.finished_at.empty())
    s.bind_null(i++);
  else
    s.bind(i++, r.finished_at);
  if (i - first != kTrialColumnCount) throw Error("bind_trial: column count mismatch");
}

TrialRecord read_trial(const Statement& s, const std::string& store_path) {
  TrialRecord r;
  TrialConfig& c = r.config;
  int i = 0;
  c.index = static_cast<int>(s.integer(i++));
  c.seed = static_cast<uint64_t>(s.integer(i++));
  try {
    c.structure = parse_structure(s.text(i++));
    c.hidden_layers = static_cast<int>(s.integer(i++));
    c.activation = parse_activation(s.text(i++));
    c.allow_dropout = s.integer(i++) != 0;
    c.allow_momentum = s.integer(i++) != 0;
    i += 3;  // l3..l5 follow from hidden_layers
    for (int k = 0; k < kMaxHiddenLayers; ++k) c.dropout[k] = s.integer(i++) != 0;
    for (int k = 0; k < kMaxHiddenLayers; ++k) c.sizes[k] = static_cast<int>(s.integer(i++));
    for (int k = 0; k < kMaxHiddenLayers; ++k) c.dropout_rate[k] = s.real(i++);
    c.learning_rate = s.real(i++);
    c.momentum = s.real(i++);
    c.batch_size = static_cast<int>(s.integer(i++));
    c.max_epochs = static_cast<int>(s.integer(i++));
    c.patience = static_cast<int>(s.integer(i++));
    r.status = parse_trial_status(s.text(i++));
  } catch (const Error& e) {
    throw DataError(store_path + ": trial " + std::to_string(c.index) + ": " + e.what());
  }
  r.min_val_loss = s.real(i++);
  r.min_val_loss_epoch = static_cast<int>(s.integer(i++));
  r.max_val_accuracy = s.real(i++);
  r.max_val_accuracy_epoch = static_cast<int>(s.integer(i++));
  r.epochs_run = static_cast<int>(s.integer(i++));
  r.steps = s.integer(i++);
  r.seconds = s.real(i++);
  r.stop_reason = s.text(i++);
  r.error = s.text(i++);
  r.backend = s.text(i++);
  r.started_at = s.text(i++);  // NULL reads as ""
  r.finished_at = s.text(i++);
  return r;
}

}  // namespace qrsweep::store_detail
