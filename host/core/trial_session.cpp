// TrialSession's defaults (backend.h): a session that cannot hand out its optimizer's
// state cannot take one either.
#include "qrsweep/backend.h"
#include "qrsweep/common.h"

namespace qrsweep {

void TrialSession::set_optimizer_state(const std::vector<float>& state) {
  if (!state.empty())
    throw Error("this backend's sessions cannot restore an optimizer state (" +
                std::to_string(state.size()) + " values given)");
}

}  // namespace qrsweep
