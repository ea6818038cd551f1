// `qrsweep report` end to end in headless Chromium (plots, rows, console, screenshot, clicks),
// --png, and a sweep caught running; browser tests skip, saying why, without Chromium.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "qrsweep/store.h"
#include "report/store_fixture.h"
#include "support/test_support.h"
#include "test_sweep_support.h"

namespace qrsweep {
namespace {

constexpr int kTrials = 6;
const char* const kFigures[] = {"coverage",   "balance", "hyperparameters",
                                "categories", "curves",  "progress"};

int count(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

std::string figure_of(const std::string& html, const std::string& id) {
  const size_t begin = html.find("<figure class=\"plot\" id=\"fig-" + id + "\"");
  if (begin == std::string::npos) return "";
  return html.substr(begin, html.find("</figure>", begin) - begin);
}

bool have_tool(const std::string& name) {
  return test::run_command("command -v " + name + " >/dev/null").status == 0;
}

std::string quote(const std::string& s) { return "'" + s + "'"; }

// Headless Chromium with the flags the issue asks for; `action` is --dump-dom or
// --screenshot=FILE. Its DOM (after scripts ran) lands in `dom`, its log in `log`.
struct BrowserRun {
  int status = -1;
  std::string dom;
  std::vector<std::string> console;  // console messages the page logged
  std::string log;
};

BrowserRun run_chromium(const test::TempDir& dir, const std::string& url, const std::string& action,
                        const std::string& extra = "") {
  const std::string dom = dir.file("dom.html"), log = dir.file("chromium.log");
  const test::RunResult r = test::run_command(
      "timeout 90 chromium --headless --no-sandbox --disable-gpu "
      "--disable-background-networking --no-first-run --no-default-browser-check "
      "--disable-extensions --hide-scrollbars --user-data-dir=" +
      quote(dir.file("profile")) + " --enable-logging=stderr --v=0 --virtual-time-budget=10000 " +
      extra + " " + action + " " + quote(url) + " > " + quote(dom) + " 2> " + quote(log));
  BrowserRun b;
  b.status = r.status;
  b.dom = test::read_file(dom);
  b.log = test::read_file(log);
  std::istringstream lines(b.log);
  for (std::string line; std::getline(lines, line);)
    if (line.find(":CONSOLE") != std::string::npos) b.console.push_back(line);
  return b;
}

std::string file_url(const std::string& path) { return "file://" + path; }

class Report : public ::testing::Test {
 protected:
  // One real sweep for the whole suite: the qrsweep binary on a tiny CSV dataset.
  static void SetUpTestSuite() {
    dir_ = new test::TempDir;
    test::write_noisy_csv(*dir_, 400, 120, 10, 3);
    test::write_file(dir_->file("space.toml"),
                     test::tiny_space(*dir_,
                                      "trials = " + std::to_string(kTrials) +
                                          "\nseed = 3\nmax_epochs = 3\npatience = 2\n"
                                          "[layer_size]\nlow = 3\nhigh = 8\n"
                                          "[batch_size]\nlow = 16\nhigh = 64\n"
                                          "[learning_rate]\nlow = 0.001\nhigh = 0.02\n"
                                          "scale = \"log\"\n",
                                      100, 3));
    sweep_ = new test::RunResult(test::run_qrsweep(
        "sweep --space " + quote(dir_->file("space.toml")) + " --out " +
        quote(dir_->file("sweep")) + " --backend cpu --jobs 2 --threads 1 --quiet"));
    report_ = new test::RunResult(test::run_qrsweep("report " + quote(dir_->file("sweep"))));
  }
  static void TearDownTestSuite() {
    delete report_;
    delete sweep_;
    delete dir_;
  }
  void SetUp() override {
    ASSERT_EQ(sweep_->status, 0) << sweep_->output;
    ASSERT_EQ(report_->status, 0) << report_->output;
  }
  static std::string sweep_dir() { return dir_->file("sweep"); }
  static std::string html_path() { return dir_->file("sweep/report.html"); }

  static test::TempDir* dir_;
  static test::RunResult* sweep_;
  static test::RunResult* report_;
  test::TempDir scratch_;
};

test::TempDir* Report::dir_ = nullptr;
test::RunResult* Report::sweep_ = nullptr;
test::RunResult* Report::report_ = nullptr;

#define SKIP_WITHOUT_CHROMIUM()                                                    \
  if (!have_tool("chromium"))                                                      \
  GTEST_SKIP() << "chromium is not installed: apt-get install chromium (Debian's " \
                  "package; scripts/setup.sh installs it)"

TEST_F(Report, IsOneSelfContainedFileWithARowPerTrial) {
  EXPECT_NE(report_->output.find("wrote " + html_path()), std::string::npos) << report_->output;
  const std::string html = test::read_file(html_path());
  EXPECT_EQ(count(html, "<tr data-status="), kTrials);
  EXPECT_EQ(count(html, "<tr data-status=\"done\""), kTrials);
  // Nothing is fetched when the page opens: no external scripts, styles, images or fonts.
  EXPECT_EQ(count(html, "<link"), 0);
  EXPECT_EQ(count(html, "@import"), 0);
  EXPECT_EQ(count(html, "url("), 0);
  static const std::regex external(R"((src|href)\s*=\s*["']?(https?:|//))", std::regex::icase);
  EXPECT_FALSE(std::regex_search(html, external));
  // The only absolute URL is the SVG namespace name, which is never fetched.
  EXPECT_EQ(count(html, "http"), count(html, "http://www.w3.org/2000/svg"));
  for (const char* id : kFigures) EXPECT_NE(figure_of(html, id), "") << id;
  EXPECT_NE(html.find("test loss"), std::string::npos);  // the sweep tested its best trial
  // Every column of the trials table has a heading of its own.
  static const std::regex heading("<th scope=\"col\">([^<]*)</th>");
  std::set<std::string> headings;
  int columns = 0;
  for (std::sregex_iterator it(html.begin(), html.end(), heading), end; it != end; ++it, ++columns)
    EXPECT_TRUE(headings.insert((*it)[1].str()).second) << "two columns headed " << (*it)[1];
  EXPECT_GE(columns, 18);
  EXPECT_EQ(headings.count("min loss epoch"), 1u);
  EXPECT_EQ(headings.count("max acc epoch"), 1u);
}

TEST_F(Report, OpensInChromiumWithEveryPlotDrawnAndNoConsoleErrors) {
  SKIP_WITHOUT_CHROMIUM();
  const BrowserRun b = run_chromium(scratch_, file_url(html_path()), "--dump-dom");
  ASSERT_EQ(b.status, 0) << b.log;
  EXPECT_NE(b.dom.find("data-ready=\"1\""), std::string::npos) << "the page script did not run";
  EXPECT_NE(b.dom.find("data-js-errors=\"0\""), std::string::npos);
  EXPECT_TRUE(b.console.empty()) << b.console.front();
  for (const char* id : kFigures) {
    const std::string f = figure_of(b.dom, id);
    ASSERT_FALSE(f.empty()) << id << " missing from the rendered page";
    EXPECT_GT(count(f, "class=\"mk-"), 0) << id << " has no marks";
    EXPECT_GT(count(f, "<svg"), 0) << id;
  }
  EXPECT_EQ(count(b.dom, "<tr data-status="), kTrials);
}

// A halving sweep's page: the rungs figure and the per-rung table render beside the rest,
// and the page script still runs without an error.
TEST(ReportHalving, OpensInChromiumWithTheRungsDrawnAndNoConsoleErrors) {
  SKIP_WITHOUT_CHROMIUM();
  test::TempDir dir;
  test::write_noisy_csv(dir, 400, 120, 10, 3);
  test::write_file(dir.file("space.toml"),
                   test::tiny_space(dir,
                                    "trials = 9\nseed = 3\nmax_epochs = 3\npatience = 2\n"
                                    "[layer_size]\nlow = 3\nhigh = 8\n"
                                    "[batch_size]\nlow = 16\nhigh = 64\n"
                                    "[schedule]\nkind = \"halving\"\n",
                                    100, 3));
  const test::RunResult sweep =
      test::run_qrsweep("sweep --space " + quote(dir.file("space.toml")) + " --out " +
                        quote(dir.file("sweep")) + " --backend cpu --jobs 2 --threads 1 --quiet");
  ASSERT_EQ(sweep.status, 0) << sweep.output;
  const test::RunResult report = test::run_qrsweep("report " + quote(dir.file("sweep")));
  ASSERT_EQ(report.status, 0) << report.output;
  const BrowserRun b = run_chromium(dir, file_url(dir.file("sweep/report.html")), "--dump-dom");
  ASSERT_EQ(b.status, 0) << b.log;
  EXPECT_NE(b.dom.find("data-ready=\"1\""), std::string::npos) << "the page script did not run";
  EXPECT_NE(b.dom.find("data-js-errors=\"0\""), std::string::npos);
  EXPECT_TRUE(b.console.empty()) << b.console.front();
  const std::string f = figure_of(b.dom, "rungs");
  ASSERT_FALSE(f.empty()) << "the rungs figure is missing from the rendered page";
  EXPECT_EQ(count(f, "class=\"tick mk-rung\""), 1);  // rung 0 at epoch 1; 3 is max_epochs
  EXPECT_GT(count(f, "class=\"mk-line"), 0);
  EXPECT_EQ(count(b.dom, "<tr data-rung="), 2);
  EXPECT_EQ(count(b.dom, "<tr data-status="), 9);
}

TEST_F(Report, ChromiumTakesAScreenshot) {
  SKIP_WITHOUT_CHROMIUM();
  const std::string png = scratch_.file("report.png");
  const BrowserRun b = run_chromium(scratch_, file_url(html_path()), "--screenshot=" + quote(png),
                                    "--window-size=1100,3000");
  ASSERT_EQ(b.status, 0) << b.log;
  const std::string bytes = test::read_file(png);
  ASSERT_GT(bytes.size(), 24u);
  EXPECT_EQ(bytes.substr(1, 3), "PNG");
  // A blank page compresses to almost nothing; plots and text do not.
  EXPECT_GT(bytes.size(), 50000u);
  EXPECT_TRUE(b.console.empty()) << b.console.front();
}

TEST_F(Report, TableSortsAndFiltersOnClicks) {
  SKIP_WITHOUT_CHROMIUM();
  const std::string harness = std::string(QRSWEEP_SOURCE_DIR) + "/tests/report/interact.html";
  const BrowserRun b =
      run_chromium(scratch_, file_url(harness) + "?report=" + file_url(html_path()), "--dump-dom",
                   "--allow-file-access-from-files");
  ASSERT_EQ(b.status, 0) << b.log;
  const size_t begin = b.dom.find("<pre id=\"result\">");
  ASSERT_NE(begin, std::string::npos) << b.dom;
  const size_t from = begin + std::string("<pre id=\"result\">").size();
  std::string text = b.dom.substr(from, b.dom.find("</pre>", from) - from);
  text = std::regex_replace(text, std::regex("&quot;"), "\"");
  text = std::regex_replace(text, std::regex("&amp;"), "&");
  ASSERT_NE(text, "pending") << "the harness never finished";
  const nlohmann::json r = nlohmann::json::parse(text);
  ASSERT_FALSE(r.contains("harness_error")) << r.dump();
  EXPECT_EQ(r["ready"], "1");
  EXPECT_EQ(r["js_errors"], "0");
  EXPECT_EQ(r["rows"], kTrials);
  EXPECT_EQ(r["loss_sort_attr"], "ascending");
  std::vector<double> up, down;
  for (const auto& v : r["loss_ascending"]) up.push_back(std::stod(v.get<std::string>()));
  for (const auto& v : r["loss_descending"]) down.push_back(std::stod(v.get<std::string>()));
  ASSERT_EQ(up.size(), static_cast<size_t>(kTrials));
  EXPECT_TRUE(std::is_sorted(up.begin(), up.end()));
  EXPECT_EQ(std::vector<double>(down.rbegin(), down.rend()), up);
  std::vector<std::string> trials;
  for (const auto& v : r["trials_ascending"]) trials.push_back(v.get<std::string>());
  for (int i = 0; i < kTrials; ++i) EXPECT_EQ(trials[i], std::to_string(i));
  // Every trial is done: unticking "done" hides them all, ticking it again shows them.
  ASSERT_EQ(r["filters"].size(), 1u);
  EXPECT_EQ(r["filters"][0]["status"], "done");
  EXPECT_EQ(r["filters"][0]["visible"], 0);
  EXPECT_EQ(r["filters"][0]["shown"], "0");
  EXPECT_EQ(r["visible_after"], kTrials);
  EXPECT_TRUE(b.console.empty()) << b.console.front();
}

TEST_F(Report, PngWritesEveryPlot) {
  if (!have_tool("rsvg-convert"))
    GTEST_SKIP() << "rsvg-convert is not installed: apt-get install librsvg2-bin";
  const std::string out = scratch_.file("r/report.html");
  std::filesystem::create_directories(scratch_.file("r"));
  const test::RunResult r =
      test::run_qrsweep("report " + quote(sweep_dir()) + " --out " + quote(out) + " --png");
  ASSERT_EQ(r.status, 0) << r.output;
  for (const char* id : kFigures) {
    const std::string png = scratch_.file(std::string("r/plots/") + id + ".png");
    const std::string bytes = test::read_file(png);
    ASSERT_GT(bytes.size(), 24u) << png;
    EXPECT_EQ(bytes.substr(1, 3), "PNG") << png;
    // IHDR width: the SVG's 960 px at 2x.
    const auto width = (uint32_t(uint8_t(bytes[16])) << 24) | (uint32_t(uint8_t(bytes[17])) << 16) |
                       (uint32_t(uint8_t(bytes[18])) << 8) | uint32_t(uint8_t(bytes[19]));
    EXPECT_EQ(width, 1920u) << png;
  }
  EXPECT_TRUE(std::filesystem::exists(out));
}

TEST_F(Report, PngWithoutARasterizerNamesThePackageToInstall) {
  const test::RunResult r =
      test::run_command("PATH=/nonexistent '" + std::string(QRSWEEP_BINARY) + "' report " +
                        quote(sweep_dir()) + " --out " + quote(scratch_.file("x.html")) + " --png");
  EXPECT_EQ(r.status, 1) << "a missing tool is a run-time failure, as docs/report.md says";
  EXPECT_NE(r.output.find("librsvg2-bin"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(scratch_.file("x.html")));
}

TEST_F(Report, WritesNothingBesideTheStore) {
  // The sweep has ended, so the store stands alone; a report elsewhere must leave the sweep
  // directory as it was: no -wal or -shm from a read-only connection, no byte changed.
  auto names = [] {
    std::set<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(sweep_dir()))
      out.insert(e.path().filename().string());
    return out;
  };
  const std::set<std::string> before = names();
  ASSERT_EQ(before.count("store.sqlite-wal"), 0u);
  const std::string store = sweep_dir() + "/store.sqlite";
  const std::string bytes = test::read_file(store);
  const test::RunResult r = test::run_qrsweep("report " + quote(sweep_dir()) + " --out " +
                                              quote(scratch_.file("r.html")));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(names(), before);
  EXPECT_EQ(test::read_file(store), bytes);
  EXPECT_EQ(test::read_file(scratch_.file("r.html")).find("no trial timestamps"), std::string::npos)
      << "the timestamps come through the store";
}

TEST_F(Report, PartialStoreOpensInChromiumWithoutErrors) {
  SKIP_WITHOUT_CHROMIUM();
  {
    auto store = test::create_fixture_store(store_path(scratch_.file("p")), test::fixture_space(6));
    test::record_trial(*store, 0, {0.9, 0.5}, TrialStatus::kDone);
    test::record_trial(*store, 1, {0.8, NAN}, TrialStatus::kDiverged);
    test::record_trial(*store, 2, {}, TrialStatus::kFailed, "boom");
    test::record_trial(*store, 3, {1.0}, TrialStatus::kRunning);
  }
  const test::RunResult r = test::run_qrsweep("report " + quote(scratch_.file("p")));
  ASSERT_EQ(r.status, 0) << r.output;
  const BrowserRun b =
      run_chromium(scratch_, file_url(scratch_.file("p/report.html")), "--dump-dom");
  ASSERT_EQ(b.status, 0) << b.log;
  EXPECT_NE(b.dom.find("data-ready=\"1\""), std::string::npos);
  EXPECT_NE(b.dom.find("data-js-errors=\"0\""), std::string::npos);
  EXPECT_TRUE(b.console.empty()) << b.console.front();
  EXPECT_EQ(count(b.dom, "<tr data-status="), 6);
}

// A sweep stopped (SIGSTOP) after its first trial finished, mid-run: the report reads its
// store beside the live writer, shows the unfinished trials, and the sweep then finishes.
TEST_F(Report, ReportsASweepThatIsStillRunning) {
  test::TempDir d;
  test::write_noisy_csv(d, 3000, 200, 24, 4);
  test::write_file(d.file("space.toml"),
                   test::tiny_space(d,
                                    "trials = 6\nseed = 9\nmax_epochs = 40\npatience = 40\n"
                                    "[layer_size]\nlow = 32\nhigh = 64\n"
                                    "[batch_size]\nlow = 8\nhigh = 16\n",
                                    500, 4));
  const std::string out = d.file("live");
  test::Child sweep({"sweep", "--space", d.file("space.toml"), "--out", out, "--backend", "cpu",
                     "--jobs", "1", "--threads", "1", "--quiet"},
                    d.file("sweep.log"));
  const std::string db = store_path(out);
  ASSERT_TRUE(test::wait_until(
      [&] { return test::query_int(db, "SELECT count(*) FROM trials WHERE status = 'done'") >= 1; },
      120))
      << test::read_file(d.file("sweep.log"));
  sweep.signal(SIGSTOP);
  const long long unfinished =
      test::query_int(db, "SELECT count(*) FROM trials WHERE status IN ('running', 'queued')");
  const test::RunResult r = test::run_qrsweep("report " + quote(out));
  sweep.signal(SIGCONT);
  ASSERT_EQ(r.status, 0) << r.output;
  ASSERT_GT(unfinished, 0) << "the sweep finished before it could be caught running";
  const std::string html = test::read_file(out + "/report.html");
  EXPECT_EQ(count(html, "<tr data-status="), 6);
  EXPECT_EQ(count(html, "<tr data-status=\"running\"") + count(html, "<tr data-status=\"queued\""),
            unfinished);
  EXPECT_NE(html.find("still running or was interrupted"), std::string::npos);
  EXPECT_EQ(sweep.wait(), 0) << test::read_file(d.file("sweep.log"));
  const test::RunResult again = test::run_qrsweep("report " + quote(out));
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_EQ(count(test::read_file(out + "/report.html"), "<tr data-status=\"done\""), 6);
}

}  // namespace
}  // namespace qrsweep
