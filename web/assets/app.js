// mailq web: confirmation of deletions and live refresh. No inline script
// anywhere (the pages' Content-Security-Policy forbids it); this file is
// the only script, and message content never reaches it.
"use strict";

document.addEventListener("submit", function (ev) {
  var form = ev.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    ev.preventDefault();
  }
});

(function live() {
  if (!document.body.hasAttribute("data-live") || !window.EventSource) {
    return;
  }
  var state = document.getElementById("live-state");
  var content = document.getElementById("content");
  var busy = false, again = false;

  function typing() {
    var a = document.activeElement;
    return a && content.contains(a) && (a.tagName === "INPUT" || a.tagName === "TEXTAREA");
  }

  function refresh() {
    if (busy || typing()) {
      again = true;
      return;
    }
    busy = true;
    fetch(window.location.href, { headers: { "X-Partial": "1" }, credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 401 || r.redirected) {
          window.location.reload();
          return null;
        }
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (html !== null) {
          content.innerHTML = html;
          document.body.setAttribute("data-refreshed", String(Date.now()));
        }
      })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  content.addEventListener("focusout", function () {
    if (again) {
      again = false;
      setTimeout(refresh, 0);
    }
  });

  var es = new EventSource("/events");
  es.addEventListener("hello", function () { state.textContent = "live"; });
  es.addEventListener("change", refresh);
  es.onerror = function () { state.textContent = "reconnecting…"; };
})();
