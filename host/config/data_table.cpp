// The [data] table's keys, read once for both the space file and the train config.
#include "config/data_table.h"

namespace qrsweep {

void read_data_table(TomlReader& d, DataSource* out) {
  d.read("format", &out->format);
  d.read("dir", &out->dir);
  d.read("train_csv", &out->train_csv);
  d.read("test_csv", &out->test_csv);
  d.read("validation", &out->validation);
  d.read("classes", &out->classes);
  d.read("split", &out->split);
  d.read("split_seed", &out->split_seed);
  d.read("file", &out->file);
  d.read("scale", &out->scale);
  d.reject_unknown();
}

}  // namespace qrsweep
