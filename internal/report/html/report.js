(function () {
  "use strict";
  var table = document.getElementById("findings-table");
  var box = document.getElementById("filters");
  var shown = document.getElementById("shown");
  if (!table || !box || !shown) {
    return;
  }
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var texts = rows.map(function (r) { return r.textContent.toLowerCase(); });
  rows.forEach(function (r, i) { r.setAttribute("data-index", String(i)); });
  var includePassed = box.getAttribute("data-include-passed") === "true";
  var statuses = ["fail", "error", "unknown", "waived", "pass"];
  var severities = ["critical", "high", "medium", "low", "info"];
  var statusLabels = { fail: "Fail", error: "Error", unknown: "Unknown", waived: "Waived", pass: "Pass" };

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) {
      e.textContent = text;
    }
    return e;
  }

  function countBy(attr) {
    var c = {};
    rows.forEach(function (r) {
      var v = r.getAttribute(attr);
      c[v] = (c[v] || 0) + 1;
    });
    return c;
  }

  // checkGroup builds a fieldset of checkboxes, one per value present.
  function checkGroup(legend, name, values, labels, counts, checked) {
    var fs = el("fieldset", { id: "filter-" + name });
    fs.appendChild(el("legend", {}, legend));
    var boxes = [];
    values.forEach(function (v) {
      if (!counts[v]) {
        return;
      }
      var id = "filter-" + name + "-" + v;
      var cb = el("input", { type: "checkbox", id: id, value: v, "data-filter": name });
      cb.checked = checked(v);
      var label = el("label", { "for": id });
      label.appendChild(cb);
      label.appendChild(document.createTextNode(" " + (labels[v] || v) + " (" + counts[v] + ")"));
      fs.appendChild(label);
      boxes.push(cb);
    });
    return { node: fs, boxes: boxes };
  }

  var statusGroup = checkGroup("Status", "status", statuses, statusLabels, countBy("data-status"),
    function (v) { return includePassed || v !== "pass"; });
  var sevGroup = checkGroup("Severity", "severity", severities, {}, countBy("data-severity"),
    function () { return true; });

  var ruleField = el("label", { "class": "field", "for": "filter-rule" }, "Rule");
  var ruleSelect = el("select", { id: "filter-rule" });
  ruleSelect.appendChild(el("option", { value: "" }, "All rules"));
  var ruleCounts = countBy("data-rule");
  Object.keys(ruleCounts).sort().forEach(function (id) {
    ruleSelect.appendChild(el("option", { value: id }, id + " (" + ruleCounts[id] + ")"));
  });
  ruleField.appendChild(ruleSelect);

  var textField = el("label", { "class": "field", "for": "filter-text" }, "Search");
  var textInput = el("input", { type: "search", id: "filter-text", placeholder: "resource, message, component…" });
  textField.appendChild(textInput);

  var reset = el("button", { type: "button", id: "filter-reset" }, "Show all");

  box.appendChild(statusGroup.node);
  box.appendChild(sevGroup.node);
  box.appendChild(ruleField);
  box.appendChild(textField);
  box.appendChild(reset);

  function selected(group) {
    var s = {};
    group.boxes.forEach(function (b) { s[b.value] = b.checked; });
    return s;
  }

  function apply() {
    var st = selected(statusGroup);
    var sev = selected(sevGroup);
    var rule = ruleSelect.value;
    var words = textInput.value.toLowerCase().split(/\s+/).filter(Boolean);
    var n = 0;
    rows.forEach(function (r, i) {
      var ok = st[r.getAttribute("data-status")] !== false &&
        sev[r.getAttribute("data-severity")] !== false &&
        (rule === "" || r.getAttribute("data-rule") === rule) &&
        words.every(function (w) { return texts[i].indexOf(w) >= 0; });
      r.classList.toggle("filtered", !ok);
      if (ok) {
        n++;
      }
    });
    shown.textContent = "Showing " + n + " of " + rows.length + " results.";
  }

  [statusGroup, sevGroup].forEach(function (g) {
    g.boxes.forEach(function (b) { b.addEventListener("change", apply); });
  });
  ruleSelect.addEventListener("change", apply);
  textInput.addEventListener("input", apply);
  reset.addEventListener("click", function () {
    statusGroup.boxes.concat(sevGroup.boxes).forEach(function (b) { b.checked = true; });
    ruleSelect.value = "";
    textInput.value = "";
    apply();
  });

  // The rule ids of the rules table filter the findings by rule.
  Array.prototype.forEach.call(document.querySelectorAll("a.rule-link[data-rule]"), function (a) {
    a.addEventListener("click", function () {
      ruleSelect.value = a.getAttribute("data-rule");
      statusGroup.boxes.forEach(function (b) { b.checked = true; });
      apply();
    });
  });

  // Sortable columns: a button in each header; numbers sort by data-sort.
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  function key(row, col, numeric) {
    var cell = row.cells[col];
    var v = cell.getAttribute("data-sort");
    if (v === null) {
      v = cell.textContent.trim().toLowerCase();
    }
    return numeric ? Number(v) : v;
  }
  headers.forEach(function (th) {
    var col = Number(th.getAttribute("data-col"));
    var numeric = th.getAttribute("data-type") === "num";
    var button = el("button", { type: "button" }, th.textContent);
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", function () {
      var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
      headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
      var sorted = rows.slice().sort(function (a, b) {
        var x = key(a, col, numeric);
        var y = key(b, col, numeric);
        if (x < y) {
          return -dir;
        }
        if (x > y) {
          return dir;
        }
        return Number(a.getAttribute("data-index")) - Number(b.getAttribute("data-index"));
      });
      sorted.forEach(function (r) { tbody.appendChild(r); });
    });
  });

  // A printout lists the instances of every group.
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = true; });
  });

  apply();
}());
