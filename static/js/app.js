// Progressive enhancement only: every page works without script.
// Loaded as a file from 'self' (the CSP forbids inline script and inline handlers).
(function () {
  "use strict";
  document.documentElement.classList.remove("no-js");

  // A form that failed validation: move focus to its error summary so screen readers announce it.
  var summary = document.querySelector(".js-error-summary");
  if (summary) {
    summary.focus();
  }
})();
