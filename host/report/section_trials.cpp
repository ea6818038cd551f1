// The trials table (see page_sections.h): every trial's key columns, numbers carrying
// their exact value in data-v for the page script to sort by.
#include <cmath>

#include "qrsweep/number_format.h"
#include "report/html_text.h"
#include "report/page_sections.h"

namespace qrsweep::report {
namespace {

std::string text_cell(const std::string& s, const std::string& title = "") {
  return "<td" + (title.empty() ? "" : " title=\"" + html_escape(title) + "\"") + ">" +
         html_escape(s) + "</td>";
}

// A number: shown short, sorted by its exact value; a non-finite one is shown as such
// in red and sorts after every number.
std::string number_cell(double v, int digits = 4) {
  if (!std::isfinite(v)) return "<td class=\"n nan\" data-v=\"\">" + display_number(v) + "</td>";
  return "<td class=\"n\" data-v=\"" + format_double(v) + "\">" + display_number(v, digits) +
         "</td>";
}

std::string int_cell(long long v) {
  return "<td class=\"n\" data-v=\"" + std::to_string(v) + "\">" + std::to_string(v) + "</td>";
}

// An epoch count or an epoch number that is 0 before a trial has one.
std::string epoch_cell(int v) {
  return v > 0 ? int_cell(v) : std::string("<td class=\"n\" data-v=\"\"></td>");
}

// A result column of a trial that has not finished stays empty rather than "NaN".
std::string result_cell(const TrialRecord& r, double v, int digits = 4) {
  if (!is_finished(r.status)) return "<td class=\"n\" data-v=\"\"></td>";
  return number_cell(v, digits);
}

// Results first, so they stay in view on a narrow screen; the configuration follows.
// Each epoch column names the result it belongs to.
const char* const kHeaders[] = {
    "trial",         "status",    "min val loss", "min loss epoch", "max val acc", "max acc epoch",
    "epochs run",    "structure", "layers",       "sizes",          "activation",  "dropout",
    "learning rate", "momentum",  "batch",        "seconds",        "stop",        "backend"};

}  // namespace

std::string trials_table_html(const SweepData& data, const SweepFacts& f) {
  std::string out = "<div class=\"controls\" id=\"filters\">Show: ";
  for (const auto& [name, n] : f.status_counts()) {
    if (n == 0) continue;
    out += "<label><input type=\"checkbox\" checked data-status=\"" + std::string(name) + "\"> " +
           name + " (" + std::to_string(n) + ")</label>";
  }
  out += " &middot; <span id=\"shown\">" + std::to_string(data.trials.size()) + "</span> of " +
         std::to_string(data.trials.size()) +
         " trials shown; click a header to sort.</div><div class=\"tablewrap\">"
         "<table class=\"trials\" id=\"trials\"><thead><tr>";
  for (const char* h : kHeaders) out += "<th scope=\"col\">" + html_escape(h) + "</th>";
  out += "</tr></thead><tbody>";
  for (size_t i = 0; i < data.trials.size(); ++i) {
    const TrialRecord& r = data.trials[i].record;
    const TrialConfig& c = r.config;
    const std::string status = trial_status_name(r.status);
    std::string sizes, dropout;
    for (int k = 0; k < c.hidden_layers && k < kMaxHiddenLayers; ++k) {
      sizes += (k ? "-" : "") + std::to_string(c.sizes[k]);
      if (c.dropout[k])
        dropout += (dropout.empty() ? "" : " ") + std::string("D") + std::to_string(k + 1) + "=" +
                   display_number(c.dropout_rate[k], 2);
    }
    out += "<tr data-status=\"" + status + "\"" +
           (f.best && *f.best == i ? " class=\"best\"" : "") + ">";
    out += int_cell(c.index);
    out += "<td class=\"s-" + status + "\"" +
           (r.error.empty() ? "" : " title=\"" + html_escape(r.error) + "\"") + ">" + status +
           "</td>";
    out += result_cell(r, r.min_val_loss);
    out += epoch_cell(r.min_val_loss_epoch);
    out += result_cell(r, r.max_val_accuracy);
    out += epoch_cell(r.max_val_accuracy_epoch);
    out += int_cell(is_finished(r.status) ? r.epochs_run
                                          : static_cast<long long>(data.trials[i].epochs.size()));
    out += text_cell(structure_name(c.structure));
    out += int_cell(c.hidden_layers);
    out += "<td data-v=\"" + std::to_string(c.sizes[0]) + "\">" + sizes + "</td>";
    out += text_cell(activation_name(c.activation));
    out += "<td data-v=\"" + format_double(c.dropout_rate[0]) + "\">" +
           (dropout.empty() ? "&ndash;" : html_escape(dropout)) + "</td>";
    out += number_cell(c.learning_rate);
    out += number_cell(c.momentum, 3);
    out += int_cell(c.batch_size);
    out += is_finished(r.status) ? number_cell(r.seconds, 3) : "<td class=\"n\" data-v=\"\"></td>";
    out += text_cell(r.stop_reason, r.error);
    out += text_cell(r.backend);
    out += "</tr>";
  }
  out += "</tbody></table></div>";
  return out;
}

}  // namespace qrsweep::report
