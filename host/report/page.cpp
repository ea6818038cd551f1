// Assembling the report page (see page.h). Each figure sits in <figure id="fig-<id>">
// with its SVG inline, so the page is one file that needs nothing else to open.
#include "report/page.h"

#include "report/html_text.h"
#include "report/page_assets.h"
#include "report/page_sections.h"

namespace qrsweep::report {

std::string render_page(const SweepData& data, const SweepFacts& facts,
                        const std::vector<Figure>& figures, const std::string& generated_at) {
  std::string title = "qrsweep report: " + data.dir;
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta name=\"generator\" content=\"qrsweep " QRSWEEP_VERSION
      "\">"
      "<title>" +
      html_escape(title) + "</title><script>" + page_error_hook() + "</script><style>" +
      page_style() + "</style></head><body><main>";
  out += "<h1>qrsweep sweep report</h1><div class=\"sub\">" + html_escape(data.dir) +
         " &middot; generated " + html_escape(generated_at) +
         " by qrsweep " QRSWEEP_VERSION " &middot; stores: ";
  for (size_t i = 0; i < data.stores.size(); ++i)
    out += (i ? ", " : "") + html_escape(data.stores[i].path);
  out += "</div>";
  out += "<h2>Summary</h2>" + summary_html(data, facts);
  out += "<h2>Best trial</h2>" + best_trial_html(data, facts);
  out += "<h2>Plots</h2>";
  for (const Figure& f : figures) {
    out += "<figure class=\"plot\" id=\"fig-" + f.id + "\"><h3>" + html_escape(f.title) + "</h3>" +
           f.svg + "<figcaption>" + f.caption + "</figcaption></figure>";
  }
  out += "<h2>Trials</h2>" + trials_table_html(data, facts);
  out +=
      "<footer>Hover a dot or a line for its trial. Written by <code>qrsweep report</code> "
      "from the store read-only; run it again to refresh.</footer>";
  out += "</main><script>" + std::string(page_script()) + "</script></body></html>\n";
  return out;
}

}  // namespace qrsweep::report
