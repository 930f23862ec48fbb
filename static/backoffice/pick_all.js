// A Steam user's "Buy skins" page (templates/admin/purchases/steamuser/buy.html): the sticky bar's count and
// total of the ticked rows, kept in step as boxes are ticked; "tick all"; Shift+click ticks a range; the
// keyboard (Space ticks, Up/Down move between rows, Enter continues); a table head's new order keeps the
// ticks. The bar is a help only: the confirmation page recomputes every line and the total.
(function () {
  "use strict";
  const form = document.getElementById("bo-pick");
  if (!form) return;
  const boxes = Array.from(form.querySelectorAll("input.bo-pick"));
  const all = document.getElementById("bo-pick-all");
  const submit = document.getElementById("bo-pick-submit");
  let last = null; // the last box clicked: Shift+click ticks from there

  function micros(text) {
    // a price as text ("14.2", "0.125", "9120.0000") in millionths of a dollar: exact, never a float sum
    const match = /^(\d+)(?:\.(\d+))?$/.exec((text || "").trim());
    if (!match) return 0;
    return parseInt(match[1], 10) * 1e6 + parseInt(((match[2] || "") + "000000").slice(0, 6), 10);
  }
  function money(total) {
    // two decimals, like the server (purchases/admin/market_rows.py total_text): "about" when rounded
    const cents = Math.round(total / 1e4);
    const dollars = Math.floor(cents / 100).toLocaleString("en-US");
    const text = dollars + "." + String(cents % 100).padStart(2, "0") + " USD";
    return (total % 1e4 ? "about " : "") + text;
  }
  function update() {
    let count = 0;
    let total = 0;
    boxes.forEach((box) => {
      const row = box.closest("tr");
      row.classList.toggle("bo-ticked", box.checked);
      if (box.checked) {
        count += 1;
        total += micros(row.dataset.price);
      }
    });
    document.getElementById("bo-pick-count").textContent = String(count);
    document.getElementById("bo-pick-total").textContent = money(total);
    if (submit) submit.disabled = count === 0;
    if (all) {
      all.checked = count > 0 && count === boxes.length;
      all.indeterminate = count > 0 && count < boxes.length;
    }
  }
  function tickRange(box) {
    const [from, to] = [boxes.indexOf(last), boxes.indexOf(box)].sort((a, b) => a - b);
    boxes.slice(from, to + 1).forEach((other) => { other.checked = box.checked; });
  }
  function move(box, step) {
    const next = boxes[boxes.indexOf(box) + step];
    if (next) {
      next.focus();
      next.closest("tr").scrollIntoView({ block: "nearest" });
    }
  }

  all?.addEventListener("change", () => {
    boxes.forEach((box) => { box.checked = all.checked; });
    update();
  });
  form.addEventListener("click", (event) => {
    const box = event.target.closest("input.bo-pick");
    if (!box) return;
    if (event.shiftKey && last && last !== box) tickRange(box);
    last = box;
  });
  form.addEventListener("change", (event) => {
    if (event.target.matches("input.bo-pick")) update();
  });
  form.addEventListener("keydown", (event) => {
    const box = event.target.closest("input.bo-pick");
    if (!box) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      move(box, event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter" && submit && !submit.disabled) {
      event.preventDefault();
      form.requestSubmit(submit);
    }
  });
  document.querySelectorAll("a.bo-sort").forEach((link) => {
    link.addEventListener("click", () => {
      // the same search in another order: the server ticks these again (`picked`)
      const ticked = boxes.filter((box) => box.checked).map((box) => box.value);
      if (!ticked.length) return;
      const url = new URL(link.href);
      url.searchParams.set("picked", ticked.join(","));
      link.href = url.toString();
    });
  });
  // after "Back", the browser may restore ticks the page was not rendered with
  window.addEventListener("pageshow", update);
  update();
})();
