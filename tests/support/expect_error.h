// Expecting an error whose message names what went wrong: the tests of every reader (data,
// weights, config files, the fuzzers' findings) check messages this one way.
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "qrsweep/common.h"

namespace qrsweep::test {

// Runs `f`, expecting an error of type E whose message holds every one of `parts`.
template <class E, class F>
void expect_error(F&& f, const std::vector<std::string>& parts) {
  try {
    std::forward<F>(f)();
    ADD_FAILURE() << "expected an error, nothing was thrown";
  } catch (const E& e) {
    const std::string msg = e.what();
    for (const std::string& p : parts)
      EXPECT_NE(msg.find(p), std::string::npos) << "\"" << msg << "\" lacks \"" << p << "\"";
  }
}

// The same for a DataError (unreadable or malformed data: exit status 3).
template <class F>
void expect_data_error(F&& f, const std::vector<std::string>& parts) {
  expect_error<DataError>(std::forward<F>(f), parts);
}

}  // namespace qrsweep::test
