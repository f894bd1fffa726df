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
})();
