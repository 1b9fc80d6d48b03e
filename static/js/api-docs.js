// The API docs page (/api/v1/docs/): small accessibility repairs to the markup Swagger UI
// renders, made as it renders it (a file, so the strict Content Security Policy holds).
// - The server choice gets an accessible name (Swagger UI's <label> wraps it empty).
// - What Swagger UI puts outside its <main> (the API's description, the server and
//   sign-in controls) is a named region, so no content lies outside a landmark.
// - The page's outline steps one level at a time: Swagger UI's title is the page's h1,
//   and its group headings (h3) and the "Schemas" heading (h4) are level 2 beneath it.
"use strict";

(function () {
  function repair(root) {
    root.querySelectorAll("select#servers:not([aria-label])").forEach(function (select) {
      select.setAttribute("aria-label", "Server");
    });
    [[".information-container", "About the API"], [".scheme-container", "Server and token"]]
      .forEach(function (pair) {
        root.querySelectorAll(pair[0] + ":not([role])").forEach(function (element) {
          element.setAttribute("role", "region");
          element.setAttribute("aria-label", pair[1]);
        });
      });
    root.querySelectorAll("h3.opblock-tag:not([aria-level]), .models > h4:not([aria-level])")
      .forEach(function (heading) {
        heading.setAttribute("role", "heading");
        heading.setAttribute("aria-level", "2");
      });
  }
  var target = document.getElementById("swagger-ui");
  if (!target) return;
  new MutationObserver(function () { repair(target); })
    .observe(target, { childList: true, subtree: true });
})();
