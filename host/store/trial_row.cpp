// TrialRecord <-> trials row (see trial_row.h).
#include "store/trial_row.h"

#include "core/trial_fields.h"
#include "qrsweep/common.h"
#include "store/schema.h"

namespace qrsweep::store_detail {

void bind_trial(Statement& s, int first, const TrialRecord& r) {
  int i = first;
  for (const TrialField* f : store_fields())
    for_each_value(*f, f->store, [&](int k, const std::string&) {
      const FieldValue v = f->get(r.config, k);
      if (f->type == FieldType::kText)
        s.bind(i++, v.text);
      else if (f->type == FieldType::kReal)
        s.bind(i++, v.real);
      else
        s.bind(i++, v.integer);
    });
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
  if (i - first != static_cast<int>(trial_column_names().size()))
    throw Error("bind_trial: column count mismatch");
}

TrialRecord read_trial(const Statement& s, const std::string& store_path) {
  TrialRecord r;
  int i = 0;
  try {
    for (const TrialField* f : store_fields())
      for_each_value(*f, f->store, [&](int k, const std::string&) {
        FieldValue v;
        if (f->type == FieldType::kText)
          v.text = s.text(i);
        else if (f->type == FieldType::kReal)
          v.real = s.real(i);
        else
          v.integer = s.integer(i);
        ++i;
        if (f->set) f->set(r.config, k, v);  // L3..L5 follow from hidden_layers
      });
    r.status = parse_trial_status(s.text(i++));
  } catch (const Error& e) {
    throw DataError(store_path + ": trial " + std::to_string(r.config.index) + ": " + e.what());
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
