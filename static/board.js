// The live board's client: exact catch-up after a reconnect, no duplicates, a pause switch.
// Every websocket message from the server starts with <!--seq:N-->; the board carries data-seq.
(function () {
  "use strict";
  var lastSeq = 0;
  var paused = false;
  var missedWhilePaused = false;
  var SEQ = /^<!--seq:(\d+)-->/;

  function board() { return document.getElementById("board"); }
  function shell() { return document.querySelector(".board-shell"); }
  function boardSeq() {
    var element = board();
    return element ? parseInt(element.getAttribute("data-seq") || "0", 10) : 0;
  }
  function setStatus(kind) {
    var status = document.getElementById("live-status");
    if (!status) { return; }
    var text = status.getAttribute("data-" + kind);
    if (text) { status.textContent = text; }
    status.setAttribute("data-state", kind);
    document.documentElement.setAttribute("data-live", kind);
  }
  function refreshBoard() {
    var container = shell();
    if (!container || !window.htmx) { return; }
    htmx.ajax("GET", container.getAttribute("data-board-url"), { target: "#board", swap: "outerHTML" });
  }

  // Reconnect where we left off: the server replays exactly what we missed (or sends a fresh board).
  htmx.createWebSocket = function (url) {
    var target = new URL(url, window.location.href);
    target.searchParams.set("after", String(lastSeq));
    var socket = new WebSocket(target.toString());
    socket.binaryType = htmx.config.wsBinaryType || "blob";
    return socket;
  };

  document.addEventListener("DOMContentLoaded", function () { lastSeq = boardSeq(); });

  document.addEventListener("htmx:wsBeforeMessage", function (event) {
    var text = event.detail.message;
    if (typeof text !== "string" || text.charAt(0) !== "<") { event.preventDefault(); return; }
    var match = SEQ.exec(text);
    var seq = match ? parseInt(match[1], 10) : null;
    if (paused) {
      if (seq) { missedWhilePaused = true; }
      event.preventDefault();
      return;
    }
    if (seq) {
      if (seq <= lastSeq) { event.preventDefault(); return; }
      lastSeq = seq;
    }
  });

  document.addEventListener("htmx:wsOpen", function () { setStatus(paused ? "paused" : "online"); });
  document.addEventListener("htmx:wsClose", function () { setStatus("offline"); });
  document.addEventListener("htmx:wsError", function () { setStatus("offline"); });
  window.addEventListener("online", function () { if (!paused) { refreshBoard(); } });

  // A swapped-in board brings its own seq: never go backwards, never skip.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "board" || (event.detail.elt && event.detail.elt.id === "board")) {
      lastSeq = Math.max(lastSeq, boardSeq());
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    var element = board();
    if (element) { lastSeq = Math.max(lastSeq, boardSeq()); }
  });

  // Forms marked data-reset clear themselves after a successful post.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.tagName === "FORM" && form.hasAttribute("data-reset") && event.detail.successful) {
      form.reset();
      var first = form.querySelector("textarea, input[type=text]");
      if (first) { first.focus(); }
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("#pause-live");
    if (!button) { return; }
    paused = !paused;
    button.setAttribute("aria-pressed", paused ? "true" : "false");
    button.textContent = button.getAttribute(paused ? "data-resume" : "data-pause");
    setStatus(paused ? "paused" : "online");
    if (!paused && missedWhilePaused) {
      missedWhilePaused = false;
      refreshBoard();
    }
  });
})();
