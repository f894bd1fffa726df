// Werkstatt: the little that htmx cannot do declaratively. No eval, no inline handlers (CSP).
(function () {
  "use strict";
  // After an htmx swap that brings a form error, move focus to the error summary so screen readers hear it.
  document.addEventListener("htmx:afterSwap", function (event) {
    var alert = event.detail.target && event.detail.target.querySelector('[role="alert"][tabindex="-1"]');
    if (alert) { alert.focus(); }
  });
  // A region marked data-keep-focus (the town page's project ideas) is swapped whole after each action: focus
  // returns to the control with the same id (the toggled step's button, the status button, the new-step field),
  // else to the region's heading, so a keyboard user does not land at the top of the page.
  var keptFocus = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var region = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("[data-keep-focus]");
    var active = document.activeElement;
    keptFocus = region ? { region: region.id, control: active && region.contains(active) ? active.id : "" } : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!keptFocus) { return; }
    var kept = keptFocus;
    keptFocus = null;
    var region = document.getElementById(kept.region);
    if (!region || region.querySelector('[role="alert"][tabindex="-1"]')) { return; }  // the error has the focus
    var target = (kept.control && document.getElementById(kept.control)) || region.querySelector("h2[tabindex]");
    if (target) { target.focus(); }
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
