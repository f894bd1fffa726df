// Werkstatt: the little that htmx cannot do declaratively. No eval, no inline handlers (CSP).
(function () {
  "use strict";
  // After an htmx swap that brings a form error, move focus to the error summary so screen readers hear it.
  document.addEventListener("htmx:afterSwap", function (event) {
    var alert = event.detail.target && event.detail.target.querySelector('[role="alert"][tabindex="-1"]');
    if (alert) { alert.focus(); }
  });
  // Elements with data-confirm ask before submitting (no inline JS needed).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); event.stopPropagation(); }
  }, true);
  // A request without an answer (offline) or with a server error must not vanish silently: say so in the
  // alert region; the form keeps what was typed. The next successful request clears the message.
  function requestProblem(kind) {
    var region = document.getElementById("request-problem");
    if (region) { region.textContent = kind ? region.getAttribute("data-" + kind) : ""; }
  }
  document.addEventListener("htmx:sendError", function () { requestProblem("offline"); });
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    requestProblem(status === 502 || status === 503 || status === 504 ? "unavailable" : "failed");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) { requestProblem(null); }
  });
})();
