// The best trial as a `qrsweep train --config` file (the keys of core/trial_fields.h), so
// the winner can be trained again, or from other data, by hand.
#include <sstream>

#include "core/trial_fields.h"
#include "qrsweep/number_format.h"
#include "qrsweep/sweep.h"
#include "sampler/space_data.h"

namespace qrsweep {

namespace {
// A field's value as TOML: names quoted (they hold no quote or backslash), flags as
// true / false, reals as their shortest round-trip text.
std::string toml_value(const TrialField& f, const FieldValue& v) {
  switch (f.type) {
    case FieldType::kText:
      return "\"" + v.text + "\"";
    case FieldType::kInt:
      return std::to_string(v.integer);
    case FieldType::kReal:
      return format_double(v.real);
    case FieldType::kBool:
      return v.integer ? "true" : "false";
  }
  return v.text;
}
}  // namespace

std::string best_trial_toml(const TrialRecord& best, const DataSource& source) {
  const TrialConfig& c = best.config;
  std::ostringstream s;
  s << "# The best trial of a qrsweep sweep (trial " << c.index << ", seed " << c.seed
    << "): min val loss " << format_double(best.min_val_loss) << " at epoch "
    << best.min_val_loss_epoch << ", max val accuracy " << format_double(best.max_val_accuracy)
    << " at epoch " << best.max_val_accuracy_epoch << ".\n"
    << "# Train it again with: qrsweep train --config best_trial.toml\n"
    << "# Retrain and test it as the sweep did (best.safetensors, its test accuracy):\n"
    << "#   qrsweep train --config best_trial.toml --all-rows --test --save best.safetensors\n";
  for (const TrialField& f : trial_fields()) {
    if (!f.key) continue;
    s << f.key << " = ";
    if (!f.first_layer) {
      s << toml_value(f, f.get(c, 0)) << "\n";
      continue;
    }
    s << "[";
    for (int k = 0; k < c.hidden_layers; ++k) s << (k ? ", " : "") << toml_value(f, f.get(c, k));
    s << "]\n";
  }
  s << "retrain_epochs = " << best.max_val_accuracy_epoch << "\n\n";
  s << data_table_toml(source);
  return s.str();
}

}  // namespace qrsweep
