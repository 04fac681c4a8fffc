/* O2C page helpers, no dependency. Loaded by base.html (same origin, deferred).

   data-confirm="question?" on a form, a submit button or a link asks the question with
   confirm() before the form is submitted or the link followed; "Cancel" stops it. */
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
    }
  }, true);

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-confirm]");
    if (link && !ask(link)) {
      stop(event);
    }
  }, true);
})();
