// Keyboard shortcuts for the curators' review queue and review pages (progressive
// enhancement: every shortcut is also a link, a button or a form on the page).
//   Queue: j / k move between items, Enter opens the selected one.
//   Review page: a approves (the page's [data-shortcut="a"] button), r goes to the
//   rejection form ([data-shortcut-focus="r"]) or declines, j / k next / previous item,
//   u back to the queue.
(function () {
  "use strict";

  function typing(target) {
    if (!target || !target.closest) return false;
    return Boolean(target.closest("input, textarea, select, [contenteditable='true']"));
  }

  function moveInQueue(step) {
    var links = Array.prototype.slice.call(document.querySelectorAll("[data-review-link]"));
    if (!links.length) return false;
    var index = links.indexOf(document.activeElement);
    var next = index === -1 ? (step > 0 ? 0 : links.length - 1) : index + step;
    next = Math.max(0, Math.min(links.length - 1, next));
    links[next].focus();
    links[next].scrollIntoView({ block: "nearest" });
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (typing(event.target)) return;
    var key = event.key;
    if (key.length !== 1) return;
    key = key.toLowerCase();
    if ((key === "j" || key === "k") && moveInQueue(key === "j" ? 1 : -1)) {
      event.preventDefault();
      return;
    }
    var focusTarget = document.querySelector('[data-shortcut-focus="' + key + '"]');
    if (focusTarget) {
      var first = focusTarget.querySelector(
        "input:not([type=hidden]), textarea, select, button"
      );
      if (first) {
        first.focus();
        focusTarget.scrollIntoView({ block: "start" });
        event.preventDefault();
      }
      return;
    }
    var control = document.querySelector('[data-shortcut="' + key + '"]');
    if (control) {
      event.preventDefault();
      control.click();
    }
  });
})();
