/* O2C page helpers, no dependency. Loaded by base.html (same origin, deferred).

   data-confirm="question?" on a form, a submit button or a link asks the question with
   confirm() before the form is submitted or the link followed; "Cancel" stops it.

   A plain POST form (not htmx) is sent once: a second submit while the page is leaving (a
   double click on "Save and submit") is ignored, so it cannot create a document twice. */
(function () {
  "use strict";

  function ask(element) {
    var question = element && element.getAttribute && element.getAttribute("data-confirm");
    return !question || window.confirm(question);
  }

  function stop(event) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }

  // Capture phase: runs before htmx or any other submit handler sees the event.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var element = submitter && submitter.hasAttribute("data-confirm") ? submitter : form;
    if (!ask(element)) {
      stop(event);
      return;
    }
    var plainPost = (form.getAttribute("method") || "").toLowerCase() === "post" &&
      !form.hasAttribute("hx-post") && !form.hasAttribute("hx-get") &&
      !form.hasAttribute("hx-boost");
    if (plainPost) {
      if (form.getAttribute("data-submitting") === "1") {
        stop(event);
        return;
      }
      form.setAttribute("data-submitting", "1");
    }
  }, true);

  // Back to a page kept in the browser's cache: its forms may be sent again.
  window.addEventListener("pageshow", function () {
    var forms = document.querySelectorAll("form[data-submitting]");
    for (var i = 0; i < forms.length; i++) {
      forms[i].removeAttribute("data-submitting");
    }
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-confirm]");
    if (link && !ask(link)) {
      stop(event);
    }
  }, true);
  // Menu drop-downs (core.navigation.menu_tree): one open at a time, closed by a click
  // elsewhere or Escape. Without script they still open and close on their own summary.
  function closeMenus(except) {
    var open = document.querySelectorAll("details.nav-group[open]");
    for (var i = 0; i < open.length; i++) {
      if (open[i] !== except) {
        open[i].removeAttribute("open");
      }
    }
  }
  document.addEventListener("click", function (event) {
    var group = event.target.closest && event.target.closest("details.nav-group");
    closeMenus(group);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      closeMenus(null);
    }
  });
})();
