/* Accessible names for the fields Django admin and its select2 leave without one (issue 14,
   item 18; WCAG 2.1 1.3.1, 4.1.2 — checked by tests/e2e/test_accessibility_walk.py):
   - cells of tabular inlines and of list_editable columns: "<column> — <row>";
   - the two halves of a date-and-time field: "<field> — Data" / "<field> — Godzina";
   - select2 (autocomplete) boxes and their search fields: the field's label;
   - the search icons of the two-list permission/group picker: role="img" (aria-label on a
     plain span is not allowed);
   - a read-only table that scrolls sideways (a phone): focusable, so a keyboard can scroll it.
   Admin builds most of these in the browser and adds rows later, so this runs on load and again
   whenever the page changes (a MutationObserver). Loaded on every admin page by
   templates/admin/base_site.html; a file, not inline code: the Content-Security-Policy. */
(function () {
  "use strict";
  var counter = 0;
  var FIELDS = "input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=reset]), select, textarea";
  var FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea, [tabindex]";

  function ensureId(element, prefix) {
    if (!element.id) {
      counter += 1;
      element.id = prefix + "-" + counter;
    }
    return element.id;
  }

  function clean(text) {
    return (text || "").replace(/\s+/g, " ").replace(/[:?]\s*$/, "").trim();
  }

  function labelOf(id) {
    return id ? document.querySelector('label[for="' + CSS.escape(id) + '"]') : null;
  }

  function hasName(field) {
    if (field.getAttribute("aria-label") || field.getAttribute("aria-labelledby")) return true;
    return Array.prototype.some.call(field.labels || [], function (label) {
      return clean(label.textContent) !== "";
    });
  }

  // The header cell above a body cell, counting column spans.
  function columnHeader(cell) {
    var table = cell.closest("table");
    var head = table && table.tHead && table.tHead.rows[0];
    if (!head) return "";
    var column = 0;
    for (var i = 0; i < cell.parentElement.cells.length && cell.parentElement.cells[i] !== cell; i += 1) {
      column += cell.parentElement.cells[i].colSpan;
    }
    var start = 0;
    for (var j = 0; j < head.cells.length; j += 1) {
      if (column < start + head.cells[j].colSpan) return clean(head.cells[j].textContent);
      start += head.cells[j].colSpan;
    }
    return "";
  }

  // What a row is about: the object's name in a tabular inline, the first column on a change list.
  function rowName(row) {
    var original = row.querySelector("td.original p");
    var header = row.querySelector("th");
    return clean((original || header || {}).textContent);
  }

  function fieldLabel(field) {
    var row = field.closest(".form-row, .fieldBox");
    var label = row && row.querySelector("label");
    return label ? clean(label.textContent) : "";
  }

  function nameOf(field) {
    var parts = [];
    var cell = field.closest("td");
    var datetime = field.closest("p.datetime");
    if (cell) {
      parts.push(columnHeader(cell));
    } else if (datetime || field.classList.contains("select2-search__field")) {
      var container = field.closest(".select2-container");
      var select = container && container.previousElementSibling;
      var label = select ? labelOf(select.id) : null;
      parts.push(label ? clean(label.textContent) : fieldLabel(field));
    } else {
      parts.push(fieldLabel(field));
    }
    if (datetime) {
      var before = field.previousSibling;
      while (before && before.nodeType === Node.TEXT_NODE && !before.textContent.trim()) before = before.previousSibling;
      if (before && before.nodeType === Node.TEXT_NODE) parts.push(clean(before.textContent));
    }
    if (cell && cell.parentElement) parts.push(rowName(cell.parentElement));
    return parts.filter(Boolean).join(" — ");
  }

  function nameFields(root) {
    root.querySelectorAll(FIELDS).forEach(function (field) {
      if (hasName(field)) return;
      var name = nameOf(field);
      if (name) field.setAttribute("aria-label", name);
    });
  }

  function nameSelect2(root) {
    root.querySelectorAll(".select2-container--admin-autocomplete").forEach(function (container) {
      var select = container.previousElementSibling;
      var label = select && labelOf(select.id);
      if (!label) return;
      var labelId = ensureId(label, "admin-label");
      container.querySelectorAll('.select2-selection[role="combobox"]').forEach(function (box) {
        var shown = box.querySelector('.select2-selection__rendered[role="textbox"]');
        var names = shown ? labelId + " " + ensureId(shown, "select2-shown") : labelId;
        if (box.getAttribute("aria-labelledby") !== names) box.setAttribute("aria-labelledby", names);
        if (shown && shown.getAttribute("aria-labelledby") !== names) shown.setAttribute("aria-labelledby", names);
      });
    });
  }

  function fixIcons(root) {
    root.querySelectorAll(".help-tooltip[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  function scrollableRegions(root) {
    root.querySelectorAll(".inline-group, .results").forEach(function (region) {
      if (region.hasAttribute("tabindex") || region.scrollWidth <= region.clientWidth) return;
      if (region.querySelector(FOCUSABLE)) return;
      var heading = region.querySelector("h2");
      region.setAttribute("tabindex", "0");
      region.setAttribute("role", "region");
      if (heading) region.setAttribute("aria-labelledby", ensureId(heading, "admin-region"));
    });
  }

  function fix() {
    fixIcons(document);
    nameSelect2(document);
    nameFields(document);
    scrollableRegions(document);
  }

  var pending = false;
  function later() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      fix();
    });
  }

  // Admin's own scripts (SelectFilter2, select2, inlines) build widgets on DOMContentLoaded and load.
  document.addEventListener("DOMContentLoaded", fix);
  window.addEventListener("load", function () {
    fix();
    new MutationObserver(later).observe(document.body, { childList: true, subtree: true });
  });
})();
