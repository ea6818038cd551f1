// The page's HTML sections other than the figures: the summary (sweep, run, progress,
// notes on partial data), the best trial with its test, and the table of every trial.
#pragma once
#include <string>

#include "report/sweep_data.h"
#include "report/sweep_facts.h"

namespace qrsweep::report {

std::string summary_html(const SweepData& data, const SweepFacts& facts);
std::string best_trial_html(const SweepData& data, const SweepFacts& facts);
// <table id="trials">: one row per trial read, sortable by header click and filterable by
// status through the page script (page_assets.h). Non-finite numbers are shown as
// "NaN" / "inf" and sort last.
std::string trials_table_html(const SweepData& data, const SweepFacts& facts);

}  // namespace qrsweep::report
