// The confirmation page: keep the total maximum spend, and the "below the current price" flags, in step
// while max prices are edited. The server checks both again on submit; this only saves the operator a trip.
(function () {
  "use strict";
  function cents(text) {
    const value = (text || "").trim();
    if (!/^\d+(\.\d{1,2})?$/.test(value)) return null;
    const [whole, frac = ""] = value.split(".");
    return parseInt(whole, 10) * 100 + parseInt((frac + "00").slice(0, 2), 10);
  }
  function priceCents(text) {
    // a known price may carry more places than cents (9120.0000, 0.125): rounded up, so that a max price
    // in cents is below it exactly when it is below the price
    const match = /^(\d+)(?:\.(\d+))?$/.exec((text || "").trim());
    if (!match) return null;
    const frac = match[2] || "";
    const extra = /[1-9]/.test(frac.slice(2)) ? 1 : 0;
    return parseInt(match[1], 10) * 100 + parseInt((frac + "00").slice(0, 2), 10) + extra;
  }
  function money(total) {
    // the server's format (purchases/money.py): 1,234.50 USD
    const dollars = Math.floor(total / 100).toLocaleString("en-US");
    return dollars + "." + String(total % 100).padStart(2, "0") + " USD";
  }
  function flag(input, value) {
    // a max price below the line's known price: the provider refuses it
    const row = input.closest("tr.bo-line");
    if (!row) return false;
    const price = priceCents(row.dataset.price);
    const below = price !== null && value !== null && value < price;
    row.classList.toggle("bo-below", below);
    const note = row.querySelector(".bo-line-warning");
    if (note) note.hidden = !below;
    return below;
  }
  function update() {
    const inputs = document.querySelectorAll("input.bo-max-price");
    let total = 0;
    let bad = 0;
    let below = 0;
    inputs.forEach((input) => {
      const value = cents(input.value);
      if (value === null || value === 0) bad += 1; else total += value;
      if (flag(input, value)) below += 1;
    });
    const cell = document.getElementById("bo-total");
    if (cell) cell.textContent = money(total) + (bad ? " + " + bad + " to fix" : "");
    const warning = document.getElementById("bo-below-warning");
    if (warning) warning.hidden = below === 0;
    const count = document.getElementById("bo-below-count");
    if (count) count.textContent = String(below);
  }
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("input.bo-max-price").forEach((input) => input.addEventListener("input", update));
    const form = document.getElementById("bo-confirm");
    if (form) {
      form.addEventListener("submit", () => {
        const button = document.getElementById("bo-confirm-button");
        // a second click would be harmless (same batch_id), but say that the first one is on its way
        if (button) setTimeout(() => { button.disabled = true; button.value = "Recording…"; }, 0);
      });
    }
  });
})();
