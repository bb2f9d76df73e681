// Live countdown to a closing time. Each element with a `data-closes-at` ISO 8601 instant gets
// its text replaced with the time left; the server-rendered text is the no-script fallback.
// Loaded as a file (the CSP forbids inline script). Uses the browser's clock only for display:
// whether a bid is on time is decided by the server's clock alone.
(function () {
  "use strict";

  var elements = Array.prototype.slice.call(document.querySelectorAll("[data-closes-at]"));
  if (!elements.length) {
    return;
  }

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  function describe(ms) {
    if (ms <= 0) {
      return "Closed";
    }
    var seconds = Math.floor(ms / 1000);
    var days = Math.floor(seconds / 86400);
    var hours = Math.floor((seconds % 86400) / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    if (days > 0) {
      return plural(days, "day") + " " + plural(hours, "hour") + " left";
    }
    if (hours > 0) {
      return plural(hours, "hour") + " " + plural(minutes, "minute") + " left";
    }
    return plural(minutes, "minute") + " " + plural(seconds % 60, "second") + " left";
  }

  var targets = elements
    .map(function (el) {
      return { el: el, at: Date.parse(el.getAttribute("data-closes-at")) };
    })
    .filter(function (t) {
      return !isNaN(t.at);
    });

  function tick() {
    var now = Date.now();
    targets.forEach(function (t) {
      var text = "(" + describe(t.at - now) + ")";
      if (t.el.textContent !== text) {
        t.el.textContent = text;
      }
    });
  }

  tick();
  window.setInterval(tick, 1000);
})();
