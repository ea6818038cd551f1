// The sweep_identity row (see identity_rows.h).
#include "store/identity_rows.h"

#include <cstdlib>

#include "qrsweep/common.h"
#include "store/schema.h"

namespace qrsweep::store_detail {

void read_identity_row(Db& db, const std::string& path, SweepRecord& r) {
  if (!has_table(db, "sweep_identity")) return;
  Statement s(db,
              "SELECT plan_version, train_rows, test_rows, features, classes, data_hash "
              "FROM sweep_identity WHERE id = 1");
  if (!s.step()) return;
  r.plan_version = static_cast<int>(s.integer(0));
  const std::string hash = s.text(5);
  if (hash.empty()) return;  // NULL: data not recorded
  char* end = nullptr;
  const unsigned long long h = std::strtoull(hash.c_str(), &end, 16);
  if (hash.size() != 16 || *end != '\0')
    throw DataError(path + " is damaged: sweep_identity.data_hash '" + hash +
                    "' is not 16 hex digits");
  DataIdentity d;
  d.train_rows = s.integer(1);
  d.test_rows = s.integer(2);
  d.features = static_cast<int>(s.integer(3));
  d.classes = static_cast<int>(s.integer(4));
  d.content_hash = h;
  r.data = d;
}

void write_identity_row(Db& db, const SweepRecord& r) {
  Statement s(db,
              "INSERT OR REPLACE INTO sweep_identity (id, plan_version, train_rows, test_rows, "
              "features, classes, data_hash) VALUES (1, ?, ?, ?, ?, ?, ?)");
  s.bind(1, r.plan_version);
  if (r.data) {
    s.bind(2, r.data->train_rows).bind(3, r.data->test_rows).bind(4, r.data->features);
    s.bind(5, r.data->classes).bind(6, content_hash_hex(r.data->content_hash));
  } else {
    for (int i = 2; i <= 6; ++i) s.bind_null(i);
  }
  s.run();
}

}  // namespace qrsweep::store_detail
