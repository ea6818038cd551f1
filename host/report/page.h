// The whole report page: one HTML document with its style, scripts and figures inline.
#pragma once
#include <string>
#include <vector>

#include "report/figures.h"
#include "report/sweep_data.h"
#include "report/sweep_facts.h"

namespace qrsweep::report {

// `generated_at` is shown in the header (ISO 8601 UTC).
std::string render_page(const SweepData& data, const SweepFacts& facts,
                        const std::vector<Figure>& figures, const std::string& generated_at);

}  // namespace qrsweep::report
