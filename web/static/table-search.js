// A search box above each table marked data-filter: typing keeps the rows holding every word typed.
// Without JavaScript there is no box and the whole table shows. The page gives the words, in its own language:
// data-filter-label for the box, data-filter-shown for the count ("{shown} of {total} shown").
(function () {
  "use strict";
  function words(text) { return text.toLowerCase().split(/\s+/).filter(Boolean); }
  function attach(table, index) {
    var rows = Array.prototype.slice.call(table.tBodies[0] ? table.tBodies[0].rows : []);
    var texts = rows.map(function (row) { return row.textContent.toLowerCase(); });
    var box = document.createElement("div");
    box.className = "table-search";
    var id = "table-search-" + index;
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = table.getAttribute("data-filter-label") || "Search " + table.getAttribute("data-filter");
    var said = table.getAttribute("data-filter-shown") || "{shown} of {total} shown";
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.autocomplete = "off";
    input.placeholder = table.getAttribute("data-filter-hint") || "";
    var count = document.createElement("output");
    count.setAttribute("aria-live", "polite");
    count.htmlFor = id;
    box.appendChild(label);
    box.appendChild(input);
    box.appendChild(count);
    var anchor = table.parentNode.classList.contains("scroll") ? table.parentNode : table;
    anchor.parentNode.insertBefore(box, anchor);
    input.addEventListener("input", function () {
      var wanted = words(input.value);
      var shown = 0;
      rows.forEach(function (row, i) {
        var keep = wanted.every(function (w) { return texts[i].indexOf(w) !== -1; });
        row.hidden = !keep;
        if (keep) { shown += 1; }
      });
      count.textContent = wanted.length ? said.replace("{shown}", shown).replace("{total}", rows.length) : "";
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table[data-filter]"), attach);
}());
