// The sweep's progress display (sweep/progress.h) as a terminal shows it: the live block
// keeps the last four finished trials above the status line, redraws in place without
// leaving old lines behind, and keeps a failed trial's error on one line.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "sweep/progress.h"

namespace qrsweep::sweep_detail {
namespace {

// What a terminal shows after `bytes`: \n, \r, ESC[K (clear to the end of the line) and
// ESC[A (cursor up), the only controls Progress writes.
std::vector<std::string> screen(const std::string& bytes) {
  std::vector<std::string> rows(1);
  size_t row = 0, col = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (c == '\n') {
      if (++row == rows.size()) rows.emplace_back();
      col = 0;
    } else if (c == '\r') {
      col = 0;
    } else if (c == '\033' && bytes.compare(i, 3, "\033[K") == 0) {
      rows[row].resize(std::min(rows[row].size(), col));
      i += 2;
    } else if (c == '\033' && bytes.compare(i, 3, "\033[A") == 0) {
      EXPECT_GT(row, 0u) << "cursor up past the top";
      if (row > 0) --row;
      i += 2;
    } else {
      if (rows[row].size() <= col) rows[row].resize(col + 1, ' ');
      rows[row][col++] = c;
    }
  }
  while (!rows.empty() && rows.back().empty()) rows.pop_back();
  return rows;
}

std::string contents(std::FILE* f) {
  std::fflush(f);
  std::string out;
  std::rewind(f);
  for (int c; (c = std::fgetc(f)) != EOF;) out += static_cast<char>(c);
  std::fseek(f, 0, SEEK_END);
  return out;
}

TrialRecord done(int index) {
  TrialRecord r;
  r.config.index = index;
  r.status = TrialStatus::kDone;
  r.min_val_loss = 0.5 - index * 0.01;
  r.min_val_loss_epoch = r.max_val_accuracy_epoch = r.epochs_run = 3;
  r.max_val_accuracy = 0.8;
  r.stop_reason = "max epochs";
  return r;
}

TEST(Progress, TheLiveBlockShowsTheLastFourFinishedAboveTheStatusLine) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    Progress p(Progress::Mode::kLive, f, 10, 0, std::nan(""));
    for (int i = 0; i < 6; ++i) {
      p.trial_started(i);
      p.trial_finished(done(i));
    }
    p.message("a message of its own");
    TrialRecord failed;
    failed.config.index = 6;
    failed.status = TrialStatus::kFailed;
    failed.epochs_run = 1;
    failed.error = "first line\nsecond line";
    p.trial_started(6);
    p.trial_started(7);  // still running: the status line stays after the message
    p.trial_finished(failed);
    const std::vector<std::string> rows = screen(contents(f));
    ASSERT_EQ(rows.size(), 6u) << contents(f);
    EXPECT_EQ(rows[0], "a message of its own");
    EXPECT_EQ(rows[1].rfind("trial 3 done: min val loss 0.47000 at epoch 3", 0), 0u) << rows[1];
    EXPECT_EQ(rows[2].rfind("trial 4 done: ", 0), 0u) << rows[2];
    EXPECT_EQ(rows[3].rfind("trial 5 done: ", 0), 0u) << rows[3];
    EXPECT_EQ(rows[4], "trial 6 failed after 1 epochs: first line second line");
    EXPECT_EQ(rows[5].rfind("[sweep] 7/10 finished, 1 running, best val loss 0.45000", 0), 0u)
        << rows[5];
    for (const std::string& row : rows) EXPECT_LE(row.size(), 79u) << row;
    p.close();
  }
  // Closing clears the block: what stays is what was printed as lines of their own.
  EXPECT_EQ(screen(contents(f)), std::vector<std::string>{"a message of its own"});
  std::fclose(f);
}

// The ETA counts trials on the full schedule, and epochs under halving's bound: 27 trials
// halved from 3 epochs (at most 202 epochs) after 2 minutes, all 27 at 3 epochs and one
// halved: counting trials says 52 minutes, counting epochs (81 of 202 done) under 3.
TEST(Progress, TheEtaCountsEpochsUnderAnEpochBoundAndTrialsWithout) {
  EXPECT_DOUBLE_EQ(eta_seconds(120, 1, 26, 81, -1), 120.0 * 26);
  EXPECT_DOUBLE_EQ(eta_seconds(120, 1, 26, 81, 202), 120.0 / 81 * (202 - 81));
  EXPECT_TRUE(std::isnan(eta_seconds(5, 0, 27, 0, 202)));  // no pace yet
  EXPECT_TRUE(std::isnan(eta_seconds(5, 0, 27, 3, -1)));
  EXPECT_EQ(eta_seconds(300, 20, 7, 202, 202), 0.0);  // the bound spent: nothing can be left
  EXPECT_EQ(eta_seconds(300, 20, 7, 250, 202), 0.0);  // a resume's kept epochs overcount
  EXPECT_EQ(eta_seconds(300, 27, 0, 160, 202), 0.0);  // every trial finished
}

}  // namespace
}  // namespace qrsweep::sweep_detail
