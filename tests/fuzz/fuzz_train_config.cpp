// libFuzzer harness: the config file of `qrsweep train --config FILE`
// (parse_train_config_text). A config that parses must hold a trial that trains: its
// every bad value is the parser's to report, naming the file and the key, not the
// backend's later (TrialConfig::validate).
#include <string>

#include "fuzz_support.h"
#include "qrsweep/common.h"
#include "qrsweep/train_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qrsweep;
  const std::string text(reinterpret_cast<const char*>(data), size);
  TrainConfig c;
  try {
    c = parse_train_config_text(text, "fuzz-train.toml");
  } catch (const Error&) {
    return 0;
  }
  try {
    c.trial.validate();
  } catch (const Error& e) {
    fuzz::finding(std::string("a config that parsed cannot be trained: ") + e.what());
  }
  return 0;
}
