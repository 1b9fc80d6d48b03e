/*
 * Chat times in the browser's own time zone: progressive enhancement, no inline script
 * (the pages can run under a strict Content-Security-Policy).
 *
 * - /chats/ opened without ?tz=: fetch the same page for the browser's zone and put its
 *   content in place (the server groups the meetings by the viewer's days), then set
 *   ?tz= in the address with history.replaceState: no second navigation, and the first
 *   page stays readable meanwhile. Only when the zone picker offers that zone, so a zone
 *   the server does not know never leads to an error; a visitor who has already started
 *   using the page keeps it as it is.
 * - Any block marked data-localtime-zone="" (no zone chosen by the viewer): each
 *   <time datetime="…"> inside it is re-written in the browser's zone, with the zone's
 *   short name, so a time is always labelled with the zone it is in, and its
 *   [data-zone-label] says "Next meetings (your time zone: Europe/London)".
 * - Any <time datetime="…" data-localize> elsewhere (the home page, lists) is re-written
 *   the same way, and a [data-tz-note] says which zone the times are now in.
 * - The zone and category pickers submit on change.
 */
(function () {
  "use strict";
  if (window.hhdLocalTime) return; // the partial and the page may both include this file
  window.hhdLocalTime = true;

  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }

  function formatterFor(zone) {
    return new Intl.DateTimeFormat(undefined, {
      weekday: "short",
      day: "numeric",
      month: "short",
      hour: "numeric",
      minute: "2-digit",
      timeZone: zone,
      timeZoneName: "short",
    });
  }

  function offerUrlWithZone(zone) {
    var form = document.querySelector("form[data-zone-form]");
    if (!form || !zone) return;
    var select = form.querySelector("select[data-browser-zone]");
    var params = new URLSearchParams(window.location.search);
    if (params.has("tz") || !select) return;
    var offered = Array.prototype.some.call(select.options, function (option) {
      return option.value === zone;
    });
    if (!offered) return;
    params.set("tz", zone);
    var url = window.location.pathname + "?" + params.toString();
    var main = document.querySelector("main");
    if (!main || !window.fetch || !window.DOMParser || !window.history.replaceState) return;
    var touched = false;
    var markTouched = function () {
      touched = true;
    };
    main.addEventListener("focusin", markTouched);
    main.addEventListener("input", markTouched);
    window.fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("main");
        if (!fresh || touched) return;
        main.innerHTML = fresh.innerHTML;
        window.history.replaceState(window.history.state, "", url);
        submitOnChange();
      })
      .catch(function () {
        /* The page as served stays: each chat in its own, labelled zone. */
      })
      .then(function () {
        main.removeEventListener("focusin", markTouched);
        main.removeEventListener("input", markTouched);
      });
  }

  function relabelTimes(zone) {
    if (!zone) return;
    var format = formatterFor(zone);
    var blocks = document.querySelectorAll('[data-localtime-zone=""]');
    Array.prototype.forEach.call(blocks, function (block) {
      Array.prototype.forEach.call(block.querySelectorAll("time[datetime]"), function (node) {
        var moment = new Date(node.getAttribute("datetime"));
        if (isNaN(moment.getTime())) return;
        node.setAttribute("title", "Your time zone: " + zone);
        node.textContent = format.format(moment);
        node.classList.add("is-local");
      });
      Array.prototype.forEach.call(block.querySelectorAll("[data-zone-label]"), function (label) {
        label.textContent = "Next meetings (your time zone: " + zone + ")";
      });
      block.setAttribute("data-localtime-zone", zone);
    });
  }

  function localizeMarked(zone) {
    if (!zone) return;
    var times = document.querySelectorAll("time[data-localize]");
    if (!times.length) return;
    var format = formatterFor(zone);
    Array.prototype.forEach.call(times, function (element) {
      var when = new Date(element.getAttribute("datetime"));
      if (isNaN(when.getTime())) return;
      element.title = "In the chat's own time zone: " + element.textContent.trim();
      element.textContent = format.format(when);
      element.setAttribute("data-localized", zone);
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-tz-note]"), function (note) {
      note.textContent = "Times are shown in your time zone (" + zone.replace(/_/g, " ") + ").";
    });
  }

  function submitOnChange() {
    var form = document.querySelector("form[data-zone-form]");
    if (!form) return;
    Array.prototype.forEach.call(form.querySelectorAll("select"), function (select) {
      select.addEventListener("change", function () {
        form.submit();
      });
    });
  }

  function start() {
    var zone = browserZone();
    offerUrlWithZone(zone);
    relabelTimes(zone);
    localizeMarked(zone);
    submitOnChange();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
