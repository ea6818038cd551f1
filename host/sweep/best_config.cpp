// The best trial as a `qrsweep train --config` file (train_config.h's keys), so the
// winner can be trained again, or from other data, by hand.
#include <sstream>

#include "qrsweep/number_format.h"
#include "qrsweep/sweep.h"
#include "sampler/space_data.h"

namespace qrsweep {

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
  s << "structure = \"" << structure_name(c.structure) << "\"\n";
  s << "sizes = [";
  for (int k = 0; k < c.hidden_layers; ++k) s << (k ? ", " : "") << c.sizes[k];
  s << "]\nactivation = \"" << activation_name(c.activation) << "\"\n";
  s << "dropout = [";
  for (int k = 0; k < c.hidden_layers; ++k)
    s << (k ? ", " : "") << (c.dropout[k] ? "true" : "false");
  s << "]\ndropout_rates = [";
  for (int k = 0; k < c.hidden_layers; ++k)
    s << (k ? ", " : "") << format_double(c.dropout_rate[k]);
  s << "]\nlearning_rate = " << format_double(c.learning_rate) << "\n";
  s << "momentum = " << format_double(c.momentum) << "\n";
  s << "batch_size = " << c.batch_size << "\n";
  s << "seed = " << c.seed << "\n";
  s << "trial = " << c.index << "\n";
  s << "max_epochs = " << c.max_epochs << "\n";
  s << "patience = " << c.patience << "\n";
  s << "retrain_epochs = " << best.max_val_accuracy_epoch << "\n\n";
  s << data_table_toml(source);
  return s.str();
}

}  // namespace qrsweep
