/*
 * The entry forms (register a hashtag, suggest an edit): progressive enhancement only,
 * no inline script (strict Content-Security-Policy). Without this file the forms work
 * as served: the extra blocks wait in an open-able "Add another …" section, the
 * conference group is shown with "optional" in its legend, and the time zone is typed
 * with the list of zones as suggestions.
 *
 * - "Add another chat/host": the blank blocks of a <details data-more-blocks> are moved
 *   out of it, hidden, and a button shows them one at a time (all stay in the form, so
 *   the formset's TOTAL_FORMS is always right; a blank block is skipped by the server).
 * - The conference group ([data-for-kind]) shows only when that kind is chosen; a folded
 *   section marked [data-open-for-kind] (the chats) opens when its kind is chosen.
 * - An empty time zone field gets the browser's zone when the site knows it.
 */
(function () {
  "use strict";

  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }

  function addButtons() {
    var sections = document.querySelectorAll("details[data-more-blocks]");
    Array.prototype.forEach.call(sections, function (details) {
      var blocks = Array.prototype.slice.call(details.querySelectorAll("[data-block]"));
      if (!blocks.length) return;
      var parent = details.parentNode;
      blocks.forEach(function (block) {
        block.hidden = true;
        parent.insertBefore(block, details);
      });
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button-secondary add-block";
      button.textContent = details.getAttribute("data-add-label") || "Add another";
      button.addEventListener("click", function () {
        var next = blocks.shift();
        if (!next) return;
        next.hidden = false;
        var first = next.querySelector("input:not([type=hidden]), select, textarea");
        if (first) first.focus();
        if (!blocks.length) button.hidden = true;
      });
      parent.replaceChild(button, details);
    });
  }

  function showForKind() {
    var kind = document.querySelector("select[name=kind]");
    var groups = document.querySelectorAll("[data-for-kind]");
    if (!kind || !groups.length) return;
    function update() {
      Array.prototype.forEach.call(groups, function (group) {
        group.hidden = kind.value !== group.getAttribute("data-for-kind");
      });
    }
    kind.addEventListener("change", update);
    update();
  }

  function openForKind() {
    var kind = document.querySelector("select[name=kind]");
    var sections = document.querySelectorAll("details[data-open-for-kind]");
    if (!kind || !sections.length) return;
    kind.addEventListener("change", function () {
      Array.prototype.forEach.call(sections, function (section) {
        if (kind.value === section.getAttribute("data-open-for-kind")) section.open = true;
      });
    });
  }

  function preselectZone() {
    var zone = browserZone();
    var list = document.getElementById("iana-zones");
    if (!zone || !list) return;
    var known = Array.prototype.some.call(list.options, function (option) {
      return option.value === zone;
    });
    if (!known) return;
    var fields = document.querySelectorAll("input[list=iana-zones]");
    Array.prototype.forEach.call(fields, function (field) {
      if (!field.value) field.value = zone;
    });
  }

  function start() {
    preselectZone();
    addButtons();
    showForKind();
    openForKind();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
