/*
 * Shows chat times in the visitor's own time zone.
 *
 * The server writes each time in the chat's own zone, labelled, inside
 * <time datetime="…" data-localize>. Without script that text stays and is correct;
 * with script it is rewritten in the browser's zone, and the note above the list
 * ([data-tz-note]) says which zone that is. Loaded as a file (no inline script), so a
 * strict Content-Security-Policy can forbid inline code.
 */
(function () {
  "use strict";
  var times = document.querySelectorAll("time[data-localize]");
  if (!times.length || !window.Intl || !Intl.DateTimeFormat) {
    return;
  }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone) {
    return;
  }
  var format = new Intl.DateTimeFormat(undefined, {
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
  });
  times.forEach(function (element) {
    var when = new Date(element.getAttribute("datetime"));
    if (isNaN(when.getTime())) {
      return;
    }
    element.title = "In the chat's own time zone: " + element.textContent.trim();
    element.textContent = format.format(when);
    element.setAttribute("data-localized", zone);
  });
  document.querySelectorAll("[data-tz-note]").forEach(function (note) {
    note.textContent = "Times are shown in your time zone (" + zone.replace(/_/g, " ") + ").";
  });
})();
