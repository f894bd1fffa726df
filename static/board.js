// The live board's client: exact catch-up after a reconnect, no duplicates, a pause switch.
// Every websocket message from the server starts with <!--seq:N-->; the board carries data-seq. Seqs may have
// gaps: an event nothing of which is this board's (another person's vote) is not sent at all, and a replay
// after a reconnect skips it the same way. Only seq <= lastSeq is dropped (a repeat).
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
    htmx.ajax("GET", container.getAttribute("data-board-url"), { target: "#board", swap: "morph" });
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

  // Voting pieces pushed over the socket that need more than a swap by id: the "+" buttons follow the
  // remaining dots on every card, and a fixed ranking moves the items into its order.
  document.addEventListener("htmx:wsAfterMessage", function () {
    var remaining = document.getElementById("voting-remaining");
    if (remaining && remaining.hasAttribute("data-remaining")) {
      var spent = remaining.getAttribute("data-remaining") === "0";
      document.querySelectorAll("#voting-panel .vote-add").forEach(function (button) {
        button.disabled = spent || button.hasAttribute("data-full");
      });
    }
    var order = document.getElementById("ranking-order");
    var list = document.getElementById("ranking-list");
    if (order && list && order.getAttribute("data-order")) {
      var ids = order.getAttribute("data-order").split(" ");
      var rest = Array.prototype.filter.call(list.children, function (item) {
        return ids.indexOf(item.getAttribute("data-id")) < 0;
      });
      ids.forEach(function (id) {
        var item = list.querySelector('li[data-id="' + id + '"]');
        if (item) { list.appendChild(item); }
      });
      rest.forEach(function (item) { list.appendChild(item); });  // cards the pushed order does not name
      order.removeAttribute("data-order");
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

  // A fresh board (timer changed, step edited, reconnect) must not wipe what someone is typing: the morph
  // leaves the text of post and comment forms alone; they clear themselves only after their own post.
  if (window.Idiomorph) {
    Idiomorph.defaults.callbacks.beforeAttributeUpdated = function (attribute, element) {
      var draft = element.tagName === "TEXTAREA" || (element.tagName === "INPUT" && element.type === "text");
      if (attribute === "value" && draft && element.closest("form[data-reset]")) { return false; }
    };
  }

  // Forms marked data-reset clear themselves after a successful post.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.tagName === "FORM" && form.hasAttribute("data-reset") && event.detail.successful) {
      form.reset();
      var first = form.querySelector("textarea, input[type=text]");
      if (first) { first.focus(); }
    }
  });

  // The shared timer: counts down to the server's end time, corrected by the server's clock at render time.
  var timerHandle = null;
  var announcedZero = false;
  var autoAdvanced = false;
  function formatClock(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }
  function tick() {
    var timer = document.getElementById("timer");
    if (!timer) { return; }
    var endsAt = timer.getAttribute("data-ends-at");
    var total = parseFloat(timer.getAttribute("data-total") || "0");
    var remaining;
    if (endsAt) {
      var serverNow = timer.getAttribute("data-server-now");
      if (timer._serverNow !== serverNow) { timer._serverNow = serverNow; timer._renderedAt = Date.now(); }
      var offset = Date.parse(serverNow) - timer._renderedAt;
      remaining = (Date.parse(endsAt) - (Date.now() + offset)) / 1000;
    } else if (timer.getAttribute("data-remaining")) {
      remaining = parseFloat(timer.getAttribute("data-remaining"));
    } else {
      remaining = total;
    }
    timer.textContent = formatClock(remaining);
    var share = total > 0 ? remaining / total : 1;
    timer.classList.toggle("timer-warn", !!endsAt && share <= 0.2 && remaining > 0);
    timer.classList.toggle("timer-critical", !!endsAt && share <= 0.05 && remaining > 0);
    timer.classList.toggle("timer-done", !!endsAt && remaining <= 0);
    if (endsAt && remaining <= 0 && !announcedZero) {
      announcedZero = true;
      var announcer = document.getElementById("announcer");
      if (announcer) { announcer.textContent = timer.getAttribute("data-done"); }
      if (timer.getAttribute("data-auto-advance") === "true" && !autoAdvanced) {
        autoAdvanced = true;
        var current = document.querySelector(".step-list .is-current form");
        var position = current ? parseInt(current.getAttribute("data-step-position"), 10) : -1;
        var next = document.querySelector('.step-list form[data-step-position="' + (position + 1) + '"]');
        if (next) { htmx.trigger(next, "submit"); }
      }
    }
    if (remaining > 0) { announcedZero = false; }
  }
  function startTimer() {
    if (!timerHandle) { timerHandle = window.setInterval(tick, 500); }
    tick();
  }

  // Drag and drop between clusters (Sortable); the keyboard uses the "Verschieben nach" form instead.
  function initSortable(root) {
    if (!window.Sortable) { return; }
    var lists = (root || document).querySelectorAll("[data-sortable]");
    Array.prototype.forEach.call(lists, function (list) {
      if (list._sortable) { return; }
      list._sortable = Sortable.create(list, {
        group: list.getAttribute("data-sortable"),
        animation: 120,
        draggable: ".idea",
        filter: "input, textarea, select, button, summary, label",
        preventOnFilter: false,
        onEnd: function (event) {
          if (event.from === event.to) { return; }
          var ideaId = event.item.getAttribute("data-idea-id");
          htmx.ajax("POST", list.getAttribute("data-command-url"), {
            target: "#board-message", swap: "innerHTML",
            values: { type: "move_idea", idea_id: ideaId, cluster_id: event.to.getAttribute("data-cluster-id") }
          });
        }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { startTimer(); initSortable(document); });
  document.addEventListener("htmx:afterSettle", function () {
    tick();
    initSortable(document);
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
