// The summary and best-trial sections (see page_sections.h).
#include <cmath>
#include <set>

#include "report/html_text.h"
#include "report/page_sections.h"
#include "sweep/halving.h"

namespace qrsweep::report {
namespace {

std::string row(const std::string& term, const std::string& html) {
  return "<dt>" + html_escape(term) + "</dt><dd>" + html + "</dd>";
}

std::string text_row(const std::string& term, const std::string& text) {
  return row(term, html_escape(text));
}

std::string card(const std::string& title, const std::string& body) {
  return "<div class=\"card\"><h3>" + html_escape(title) + "</h3>" + body + "</div>";
}

// Distinct values of a sweep record field over the stores, joined.
template <typename F>
std::string distinct(const SweepData& data, F field) {
  std::set<std::string> seen;
  std::string out;
  for (const StoreRun& s : data.stores) {
    const std::string v = field(s.sweep);
    if (v.empty() || !seen.insert(v).second) continue;
    out += (out.empty() ? "" : "; ") + v;
  }
  return out.empty() ? "not recorded yet" : out;
}

std::string data_source(const DataSource& d) {
  std::string s = d.format == "csv"   ? "CSV " + d.train_csv + " (test " + d.test_csv + ")"
                  : d.format == "npy" ? "NumPy files in " + d.dir
                  : d.format == "npz" ? "NumPy arrays in " + d.file
                  : d.dir.empty()     ? "Fashion-MNIST (Debian's dataset-fashion-mnist)"
                                      : "IDX files in " + d.dir;
  if (!d.scale.empty()) s += ", scale " + d.scale;
  if (d.split == "stratified")
    return s + "; " + std::to_string(d.validation) +
           " rows validate, stratified by class (split_seed " + std::to_string(d.split_seed) + ")";
  return s + "; first " + std::to_string(d.validation) + " rows validate";
}

std::vector<std::string> partial_data_notes(const SweepData& data, const SweepFacts& f) {
  std::vector<std::string> notes = data.notes;
  if (f.running + f.queued > 0)
    notes.push_back(std::to_string(f.finished()) + " of " + std::to_string(f.total()) +
                    " trials have finished; " + std::to_string(f.running) + " running and " +
                    std::to_string(f.queued) +
                    " queued. The sweep is still running or was interrupted: `qrsweep sweep` "
                    "with the same --space and --out resumes it (running trials restart).");
  if (f.ranked.empty())
    notes.push_back("no trial has a finite min val loss yet, so the result plots are empty.");
  if (data.planned_trials > static_cast<int>(data.trials.size()) && data.stores.size() > 1)
    notes.push_back("the stores read hold " + std::to_string(data.trials.size()) + " of the " +
                    std::to_string(data.planned_trials) + " planned trials.");
  if (!data.test)
    notes.push_back(
        "no test result yet: the best trial is retrained and tested once every "
        "trial has finished (for a sharded sweep, after the merge).");
  if (!data.have_times)
    notes.push_back(
        "the store has no trial timestamps: finish order and wall-time plots "
        "are not available.");
  return notes;
}

std::vector<TrialRecord> records(const SweepData& data) {
  std::vector<TrialRecord> out;
  for (const ReportTrial& t : data.trials) out.push_back(t.record);
  return out;
}

// A halving or hyperband sweep's card: its epochs against the full schedule's most (the
// CLI summary's words), and per rung the trials in it, promoted and halved there, and the
// epochs trained inside it.
std::string rungs_card(const SweepData& data) {
  const std::vector<TrialRecord> trials = records(data);
  std::string body = "<dl>" + text_row("epochs trained", halving::budget_text(data.space, trials)) +
                     text_row("rungs", halving::describe_rungs(data.space)) + "</dl>";
  body +=
      "<table class=\"trials\" "
      "id=\"rung-budget\"><thead><tr><th>rung</th><th>epoch</th><th>trials</th>"
      "<th>promoted</th><th>halved</th><th>epochs trained</th></tr></thead><tbody>";
  for (const halving::RungBudget& b : halving::rung_budgets(data.space, trials))
    body += "<tr data-rung=\"" + std::to_string(b.rung) + "\" data-epochs-trained=\"" +
            std::to_string(b.trained) + "\"><td>" + std::to_string(b.rung) + "</td><td>" +
            std::to_string(b.epochs) + "</td><td>" + display_count(b.entered) + "</td><td>" +
            display_count(b.promoted) + "</td><td>" + display_count(b.halved) + "</td><td>" +
            display_count(b.trained) + "</td></tr>";
  return card("Rungs", body + "</tbody></table>");
}

}  // namespace

std::string summary_html(const SweepData& data, const SweepFacts& f) {
  std::string out;
  const std::vector<std::string> notes = partial_data_notes(data, f);
  if (!notes.empty()) {
    out += "<div class=\"notes\" id=\"notes\"><ul>";
    for (const std::string& n : notes) out += "<li>" + html_escape(n) + "</li>";
    out += "</ul></div>";
  }
  const SearchSpace& sp = data.space;
  const SweepRecord& first = data.stores.front().sweep;
  std::string sweep = "<dl>";
  sweep +=
      text_row("trials", display_count(data.planned_trials) + " planned, " +
                             display_count(static_cast<long long>(data.trials.size())) + " read");
  sweep += text_row("seed", std::to_string(sp.seed));
  sweep += text_row("sampler", sampler_name(sp.sampler));
  sweep += text_row("epochs", "at most " + std::to_string(sp.max_epochs) + ", patience " +
                                  std::to_string(sp.patience));
  sweep += text_row("data", data_source(sp.data));
  sweep += text_row("shards", first.identity.shard_count > 1
                                  ? std::to_string(data.stores.size()) + " of " +
                                        std::to_string(first.identity.shard_count) + " read"
                                  : "none");
  sweep += "</dl>";

  std::string run = "<dl>";
  run += text_row("backend", distinct(data, [](const SweepRecord& s) { return s.backend; }));
  run += text_row("device", distinct(data, [](const SweepRecord& s) { return s.device; }));
  run += text_row("host", distinct(data, [](const SweepRecord& s) { return s.host; }));
  run += text_row("machine", distinct(data, [](const SweepRecord& s) { return s.machine; }));
  run +=
      text_row("qrsweep", distinct(data, [](const SweepRecord& s) { return s.program_version; }));
  run += text_row("created", first.created_at);
  run += text_row("updated", distinct(data, [](const SweepRecord& s) { return s.updated_at; }));
  run += "</dl>";

  std::string progress = "<div class=\"chips\" id=\"status-counts\">";
  for (const auto& [name, n] : f.status_counts())
    progress += "<span class=\"s-" + std::string(name) + "\" data-status=\"" + name +
                "\" data-count=\"" + std::to_string(n) + "\">" + std::to_string(n) + " " + name +
                "</span>";
  progress += "</div><dl>";
  progress +=
      row("wall time", html_escape(display_duration(f.wall_seconds)) + "<br><span class=\"sub\">" +
                           html_escape(f.wall_source) + "</span>");
  progress += text_row("throughput",
                       !std::isfinite(f.trials_per_hour) ? "unknown"
                       : f.trials_per_hour >= 100
                           ? display_count(std::llround(f.trials_per_hour)) + " trials per hour"
                           : display_number(f.trials_per_hour, 3) + " trials per hour");
  progress += text_row("epochs trained", display_count(f.epochs_trained));
  if (f.training_rows) {
    const auto [lo, hi] = *f.training_rows;
    progress += text_row("training rows", (lo == hi ? display_count(hi) + " per epoch"
                                                    : display_count(lo) + " to " +
                                                          display_count(hi) + " per epoch") +
                                              " (from steps and batch sizes)");
  }
  if (std::isfinite(f.samples_per_second))
    progress += text_row("samples/s", display_count(std::llround(f.samples_per_second)) +
                                          " training samples per second of wall time");
  progress += "</dl>";
  out += "<div class=\"grid\">" + card("Sweep", sweep) + card("Run", run) +
         card("Progress", progress) +
         (sp.schedule.kind != ScheduleKind::kFull ? rungs_card(data) : std::string()) + "</div>";
  return out;
}

std::string best_trial_html(const SweepData& data, const SweepFacts& f) {
  if (!f.best)
    return "<p id=\"best\">No best trial yet: no done trial has a finite min val loss.</p>";
  const TrialRecord& r = data.trials[*f.best].record;
  const TrialConfig& c = r.config;
  std::string sizes, dropout;
  for (int k = 0; k < c.hidden_layers && k < kMaxHiddenLayers; ++k) {
    sizes += (k ? ", " : "") + std::to_string(c.sizes[k]);
    if (c.dropout[k])
      dropout += (dropout.empty() ? "" : ", ") + std::string("D") + std::to_string(k + 1) + " " +
                 display_number(c.dropout_rate[k]);
  }
  std::string config = "<dl>";
  config += text_row("trial", std::to_string(c.index));
  config += text_row("structure", structure_name(c.structure));
  config += text_row("hidden layers", std::to_string(c.hidden_layers) + ": " + sizes);
  config += text_row("activation", activation_name(c.activation));
  config += text_row("dropout", dropout.empty() ? "none" : dropout);
  config += text_row("learning rate", display_number(c.learning_rate, 5));
  config += text_row("momentum", display_number(c.momentum, 5));
  config += text_row("batch size", std::to_string(c.batch_size));
  config += "</dl>";
  std::string results = "<dl>";
  results += text_row("min val loss", display_number(r.min_val_loss, 5) + " at epoch " +
                                          std::to_string(r.min_val_loss_epoch));
  results += text_row("max val accuracy", display_number(r.max_val_accuracy, 4) + " at epoch " +
                                              std::to_string(r.max_val_accuracy_epoch));
  results += text_row("epochs run", std::to_string(r.epochs_run) + " (" + r.stop_reason + ")");
  results += text_row("trained in", display_duration(r.seconds) + " on " + r.backend);
  if (data.test && data.test->trial == c.index) {
    const TestRecord& t = *data.test;
    results += text_row("test loss", display_number(t.test_loss, 5));
    results += text_row("test accuracy", display_number(t.test_accuracy, 4));
    results += text_row("retrained", std::to_string(t.retrain_epochs) +
                                         (t.retrain_epochs == 1 ? " epoch" : " epochs") +
                                         " on every training row, " + display_duration(t.seconds));
  } else if (data.test) {
    results += text_row("test", "the stored test is of trial " + std::to_string(data.test->trial) +
                                    ", not of this one: retest after the sweep completes");
  } else {
    results += text_row("test", "not run yet");
  }
  results += "</dl>";
  return "<div class=\"grid\" id=\"best\">" + card("Configuration", config) +
         card("Results", results) + "</div>";
}

}  // namespace qrsweep::report
