// Sortable tables (vendored tablesort, MIT). Cells carry `data-sort` with the plain number; a value that
// was not disclosed has an empty `data-sort`, and such rows always go to the bottom, whichever way the
// column is sorted, instead of sorting as if they were 0.

function sortMissingLast(table) {
  const header = table.querySelector("th[aria-sort]");
  if (!header) return;
  const column = Array.from(header.parentElement.children).indexOf(header);
  const body = table.tBodies[0];
  if (!body) return;
  const missing = Array.from(body.rows).filter((row) => {
    const cell = row.cells[column];
    return cell && cell.hasAttribute("data-sort") && cell.getAttribute("data-sort") === "";
  });
  missing.forEach((row) => body.appendChild(row));
}

function numberSort(a, b) {
  const x = parseFloat(a);
  const y = parseFloat(b);
  if (Number.isNaN(x) && Number.isNaN(y)) return 0;
  if (Number.isNaN(x)) return 1;
  if (Number.isNaN(y)) return -1;
  return y - x;
}

if (typeof Tablesort === "function") {
  Tablesort.extend("number", () => false, numberSort);
}

function setUpTables() {
  if (typeof Tablesort !== "function") return;
  document.querySelectorAll("article table.sortable, article table:not([class])").forEach((table) => {
    if (table.dataset.sortable === "ready" || !table.tHead) return;
    table.dataset.sortable = "ready";
    table.addEventListener("afterSort", () => sortMissingLast(table));
    new Tablesort(table);
  });
}

if (typeof document$ !== "undefined") {
  document$.subscribe(setUpTables);
} else {
  document.addEventListener("DOMContentLoaded", setUpTables);
}
