// Keeps every <time data-relative> reading "2 hours ago" as time passes, without a reload.
// The server writes the first wording (stories/templatetags/reader.py, same thresholds); the
// exact time stays in the element's datetime and title. A file, not inline: the CSP forbids those.
(function () {
  "use strict";
  var UNITS = [["hour", 3600], ["minute", 60]];
  var RELATIVE_DAYS = 7;
  var EVERY_MS = 30000;

  function formatter() {
    try {
      return new Intl.RelativeTimeFormat(document.documentElement.lang || "en", { numeric: "auto" });
    } catch (error) {
      return null; // No Intl.RelativeTimeFormat: the server's wording stays.
    }
  }

  // Calendar days between two instants, in the reader's time zone: "yesterday" is a date.
  function calendarDays(now, when) {
    var a = new Date(now), b = new Date(when);
    var day = function (d) { return Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()); };
    return Math.round((day(a) - day(b)) / 86400000);
  }

  function wording(format, now, when) {
    var seconds = Math.max(0, (now - when) / 1000);
    if (seconds >= 86400) return format.format(-calendarDays(now, when), "day");
    for (var i = 0; i < UNITS.length; i++) {
      if (seconds >= UNITS[i][1]) {
        return format.format(-Math.floor(seconds / UNITS[i][1]), UNITS[i][0]);
      }
    }
    return format.format(0, "second");
  }

  function refresh() {
    var format = formatter();
    if (!format) return;
    var now = Date.now();
    document.querySelectorAll("time[data-relative]").forEach(function (element) {
      var when = Date.parse(element.getAttribute("datetime"));
      if (isNaN(when)) return;
      // A week or older, the server wrote the date itself, which does not go stale.
      if ((now - when) / 1000 >= RELATIVE_DAYS * 86400) return;
      var text = wording(format, now, when);
      if (element.textContent !== text) element.textContent = text;
    });
  }

  document.addEventListener("DOMContentLoaded", refresh);
  // Pages htmx appends ("More stories", search as you type) arrive with the server's wording.
  document.addEventListener("htmx:afterSettle", refresh);
  setInterval(refresh, EVERY_MS);
})();
