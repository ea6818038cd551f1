// The page's inline style sheet and scripts: no file, font or library is fetched, so the
// report opens offline and from an email attachment alike.
#pragma once

namespace qrsweep::report {

const char* page_style();
// In <head>: records uncaught errors on <html data-js-errors="N"> before anything runs.
const char* page_error_hook();
// At the end of <body>: sorting the trials table by a clicked header and filtering it by
// status; sets <html data-ready="1"> when set up.
const char* page_script();

}  // namespace qrsweep::report
