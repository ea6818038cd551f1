// The config file of `qrsweep train`: one trial's keys plus its data source.
#pragma once
#include <string>

#include "qrsweep/dataset.h"
#include "qrsweep/trial.h"

namespace qrsweep {

struct TrainConfig {
  TrialConfig trial;
  DataSource data;
  int retrain_epochs = 0;  // `--all-rows` trains exactly this many epochs (0: max_epochs)
};

// Keys: sizes (array, 1-5 ints), activation, dropout_rates (array, optional),
// dropout (array of booleans, optional: default rate > 0), learning_rate, momentum,
// batch_size, seed, trial, max_epochs, patience, retrain_epochs, structure (optional),
// [data]; every key is described in docs/train.md.
// Throws ConfigError naming the file, the key and what is wrong.
TrainConfig parse_train_config(const std::string& path);
// The same on a config file's text in memory; `origin` stands for the file in messages.
TrainConfig parse_train_config_text(const std::string& text, const std::string& origin);

}  // namespace qrsweep
