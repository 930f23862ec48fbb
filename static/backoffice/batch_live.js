// The batch page (purchase list with ?batch_id=) while a purchase in it still moves: every 3 s it fetches
// the same page and replaces the summary and the cells of each row in place. The rows' checkboxes are never
// replaced, so what the operator ticked stays ticked and the actions bar's counter stays right; it stops
// once the fresh summary says nothing moves (data-refresh="0").
(function () {
  "use strict";
  const PERIOD = 3000;

  function summary(doc) { return doc.getElementById("bo-batch"); }
  function moving() { const box = summary(document); return box && box.dataset.refresh === "1"; }
  function schedule() { if (moving()) window.setTimeout(tick, PERIOD); }

  // a row is known by its link to the purchase (present whether or not the user may run actions)
  function key(row) {
    const link = row.querySelector("a.bo-purchase-link");
    return link ? link.getAttribute("href") : null;
  }

  function updateRows(fresh) {
    const next = new Map();
    fresh.querySelectorAll("#result_list tbody tr").forEach((row) => next.set(key(row), row));
    document.querySelectorAll("#result_list tbody tr").forEach((row) => {
      const other = next.get(key(row));
      if (!other) return;
      Array.from(row.cells).forEach((cell, i) => {
        const incoming = other.cells[i];
        if (cell.classList.contains("action-checkbox") || !incoming) return;
        if (incoming.innerHTML !== cell.innerHTML) cell.innerHTML = incoming.innerHTML;
      });
    });
  }

  async function tick() {
    let fresh;
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin", cache: "no-store" });
      if (!response.ok) throw new Error("HTTP " + response.status);
      fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    } catch (error) {
      schedule(); // a missed beat (server restarting, network): try again on the next one
      return;
    }
    const box = summary(fresh);
    if (box) {
      box.dataset.updated = new Date().toISOString();
      summary(document).replaceWith(box);
    }
    updateRows(fresh);
    schedule();
  }

  schedule();
})();
