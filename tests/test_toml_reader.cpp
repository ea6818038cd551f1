// The one TOML reader (host/config/toml_reader.h) behind the search-space file and
// `train --config`: both name the file, the line, the key and the value as written, and
// their shared [data] table reads the same in either.
#include <gtest/gtest.h>

#include <string>

#include "qrsweep/common.h"
#include "qrsweep/space.h"
#include "qrsweep/train_config.h"

namespace qrsweep {
namespace {

// The message `parse` throws for `text` as the file c.toml.
template <typename Parse>
std::string error_of(Parse parse, const std::string& text) {
  try {
    parse(text, "c.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted:\n" << text;
  return "";
}

std::string train_error(const std::string& text) { return error_of(parse_train_config_text, text); }
std::string space_error(const std::string& text) { return error_of(parse_space_text, text); }

const std::string kKeys = "sizes = [8, 4]\nactivation = \"relu\"\nbatch_size = 4\n";

TEST(TomlReader, TrainConfigErrorsNameTheLineAndTheValue) {
  EXPECT_EQ(train_error(kKeys + "learning_rate = \"fast\"\n"),
            "c.toml:4: key 'learning_rate' = \"fast\": expected a number");
  EXPECT_EQ(train_error(kKeys + "learning_rate = 0.1\ndropout_rates = [0.5, true]\n"),
            "c.toml:5: key 'dropout_rates[1]' = true: expected a number");
  EXPECT_EQ(train_error(kKeys + "learning_rate = 0.1\nmomentum = 2\n"),
            "c.toml:5: key 'momentum' = 2: is outside [0.0, 1.0]");
  const std::string unknown = train_error(kKeys + "learning_rate = 0.1\nbogus = 1\n");
  EXPECT_EQ(unknown.rfind("c.toml:5: key 'bogus' = 1: unknown key (known keys: ", 0), 0u)
      << unknown;
  EXPECT_NE(unknown.find("learning_rate"), std::string::npos) << unknown;
  EXPECT_EQ(train_error(kKeys + "learning_rate = 0.1\nmax_epochs = 0\n"),
            "c.toml:5: key 'max_epochs' = 0: expected an integer in [1, 2147483647]");
  EXPECT_EQ(train_error("activation = \"relu\"\nbatch_size = 4\nlearning_rate = 0.1\n"),
            "c.toml: key 'sizes' is required (the hidden layer widths, e.g. sizes = [163, 325])");
}

TEST(TomlReader, TheDataTableReadsTheSameInBothFiles) {
  const std::string data = "[data]\nformat = \"csv\"\nsplitt = 3\n";
  const std::string in_train = train_error(kKeys + "learning_rate = 0.1\n" + data);
  const std::string in_space = space_error(data);
  EXPECT_EQ(in_train.rfind("c.toml:7: data.splitt = 3: unknown key in [data] (known keys: ", 0), 0u)
      << in_train;
  EXPECT_EQ(in_space.rfind("c.toml:3: data.splitt = 3: unknown key in [data] (known keys: ", 0), 0u)
      << in_space;
  EXPECT_EQ(in_train.substr(in_train.find("unknown")), in_space.substr(in_space.find("unknown")));
}

TEST(TomlReader, SyntaxErrorsReadTheSameInBothFiles) {
  EXPECT_EQ(train_error("sizes = [8\n").rfind("c.toml:", 0), 0u);
  EXPECT_NE(train_error("sizes = [8\n").find(": not valid TOML: "), std::string::npos);
  EXPECT_NE(space_error("sizes = [8\n").find(": not valid TOML: "), std::string::npos);
}

}  // namespace
}  // namespace qrsweep
