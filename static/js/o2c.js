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
  // Formset rows added in place: a button data-add-row="<prefix>" appends a copy of the
  // <template id="<prefix>-empty-row"> (the formset's empty form, "__prefix__" in its names and
  // "__number__" where the row's number is shown) to the table id="<prefix>" and counts it in
  // <prefix>-TOTAL_FORMS. Nothing is saved; htmx attributes of the new row are processed, so
  // live totals follow it. Without script the button stays hidden and the page's empty rows
  // remain.
  function addRow(button) {
    var prefix = button.getAttribute("data-add-row");
    var template = document.getElementById(prefix + "-empty-row");
    var table = document.getElementById(prefix);
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
    if (!template || !table || !total) {
      return;
    }
    var index = parseInt(total.value, 10) || 0;
    if (max && index >= parseInt(max.value, 10)) {
      return;
    }
    var holder = document.createElement("tbody");
    holder.innerHTML = template.innerHTML
      .replace(/__prefix__/g, String(index))
      .replace(/__number__/g, String(index + 1));
    var body = table.tBodies[0] || table.appendChild(document.createElement("tbody"));
    var added = [];
    while (holder.firstElementChild) {
      added.push(body.appendChild(holder.firstElementChild));
    }
    total.value = String(index + 1);
    for (var i = 0; i < added.length; i++) {
      if (window.htmx) {
        window.htmx.process(added[i]);
      }
    }
    var first = added.length && added[0].querySelector("select, input, textarea");
    if (first) {
      first.focus();
    }
  }
  function showAddRowButtons() {
    var buttons = document.querySelectorAll("button[data-add-row]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", showAddRowButtons);
  } else {
    showAddRowButtons();
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-add-row]");
    if (button) {
      event.preventDefault();
      addRow(button);
    }
  });

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

  // Behaviour declared by data attributes instead of inline handlers, which the
  // Content-Security-Policy forbids (script-src 'self', no inline script — issue 16):
  // data-print prints the page; data-back goes back a page (its href, without script);
  // data-check-all="<name>" on a checkbox ticks or clears every checkbox named <name> in its
  // form; data-select-on-focus selects a field's text when it gets the focus.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) {
      event.preventDefault();
      window.print();
    }
    var back = event.target.closest && event.target.closest("a[data-back]");
    if (back && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
  function selectOnFocus(field) {
    if (field && field.hasAttribute && field.hasAttribute("data-select-on-focus")) {
      field.select();
    }
  }
  document.addEventListener("focusin", function (event) {
    selectOnFocus(event.target);
  });
  // A field focused by `autofocus` before this deferred script ran: select it now, so the
  // next scan at the gate replaces the last number instead of adding to it.
  selectOnFocus(document.activeElement);
  // A product <select data-fills-price> puts its option's data-list-price into the row's empty
  // .unit-price field (or one it filled itself before); a price the clerk typed is kept.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select || !select.hasAttribute || !select.hasAttribute("data-fills-price")) {
      return;
    }
    var row = select.closest("tr");
    var price = row && row.querySelector(".unit-price");
    var option = select.selectedOptions && select.selectedOptions[0];
    if (price && option && (!price.value || price.value === price.dataset.auto)) {
      price.value = option.dataset.listPrice || "";
      price.dataset.auto = price.value;
    }
  });
  document.addEventListener("change", function (event) {
    var box = event.target;
    var name = box && box.getAttribute && box.getAttribute("data-check-all");
    if (!name || !box.form) {
      return;
    }
    var boxes = box.form.querySelectorAll('input[type="checkbox"][name="' + name + '"]');
    for (var i = 0; i < boxes.length; i++) {
      boxes[i].checked = box.checked;
    }
  });
})();
