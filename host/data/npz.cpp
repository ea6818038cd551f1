// .npz members (dataset.h) through Debian's libzip, from the file's bytes in memory: a
// member is read only up to the size its entry declares, and only when that size is one
// deflate could have produced from the stored bytes, so a lying or bomb entry is refused
// before memory is taken for it. libzip checks each member's CRC at its end.
#include <zip.h>

#include <memory>
#include <new>
#include <string>
#include <vector>

#include "io/input_file.h"
#include "qrsweep/common.h"
#include "qrsweep/dataset.h"

namespace qrsweep {

namespace {

// Deflate's best ratio is about 1032:1; beyond that (with slack) an entry's size is a lie.
constexpr uint64_t kMaxDeflateRatio = 1100;

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};

std::string zip_message(zip_error_t* e) {
  const std::string m = zip_error_strerror(e);
  zip_error_fini(e);
  return m;
}

}  // namespace

std::vector<uint8_t> read_npz_member(const std::vector<uint8_t>& file, const std::string& name,
                                     const std::string& array) {
  const std::string member = array + ".npy";
  const std::string where = name + ": member " + member;
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(file.data(), file.size(), 0, &err);
  if (!src) throw DataError(name + ": cannot read it as a zip (.npz): " + zip_message(&err));
  std::unique_ptr<zip_t, ZipCloser> zip(
      zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err));
  if (!zip) {
    zip_source_free(src);
    throw DataError(name + ": not a readable .npz (zip) file: " + zip_message(&err));
  }
  zip_error_fini(&err);
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat(zip.get(), member.c_str(), 0, &st) != 0)
    throw DataError(name + ": no array '" + array + "' (member " + member +
                    "); an .npz for qrsweep holds x_train, y_train, x_test and y_test, as "
                    "np.savez(path, x_train=..., y_train=..., x_test=..., y_test=...) writes");
  if (!(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE))
    throw DataError(where + ": its zip entry declares no size");
  if (st.size > kDataFileLimit || st.size / kMaxDeflateRatio > st.comp_size + 1)
    throw DataError(where + ": implausible size " + std::to_string(st.size) + " bytes from " +
                    std::to_string(st.comp_size) + " stored bytes");
  std::unique_ptr<zip_file_t, ZipFileCloser> f(zip_fopen_index(zip.get(), st.index, 0));
  if (!f) throw DataError(where + ": cannot open it: " + zip_strerror(zip.get()));
  std::vector<uint8_t> out;
  try {
    out.resize(st.size);
  } catch (const std::bad_alloc&) {
    throw DataError(where + ": no memory for its " + std::to_string(st.size) + " bytes");
  }
  uint64_t got = 0;
  while (got < st.size) {
    const zip_int64_t n = zip_fread(f.get(), out.data() + got, st.size - got);
    if (n < 0) throw DataError(where + ": corrupt: " + zip_file_strerror(f.get()));
    if (n == 0) break;
    got += static_cast<uint64_t>(n);
  }
  uint8_t extra;
  const zip_int64_t tail = got == st.size ? zip_fread(f.get(), &extra, 1) : 0;
  if (tail < 0) throw DataError(where + ": corrupt: " + zip_file_strerror(f.get()));
  if (got != st.size || tail != 0)
    throw DataError(where + ": its entry declares " + std::to_string(st.size) +
                    " bytes, but it holds " + (tail ? "more" : std::to_string(got)));
  return out;
}

}  // namespace qrsweep
