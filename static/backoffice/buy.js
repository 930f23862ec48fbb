// The confirmation page: keep the total maximum spend, and the "below the current price" flags, in step
// while max prices are edited; when a line is switched to another provider (select.bo-via), its price, its
// max price (while still the default), what it saves, and each provider's line count and balance after.
// The server checks and computes all of it again on submit; this only saves the operator a trip.
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
    // the server's format (purchases/money.py): 1,234.50 USD, -5.50 USD
    if (total < 0) return "-" + money(-total);
    const dollars = Math.floor(total / 100).toLocaleString("en-US");
    return dollars + "." + String(total % 100).padStart(2, "0") + " USD";
  }
  function signedCents(text) {
    const value = (text || "").trim();
    if (value.startsWith("-")) {
      const magnitude = priceCents(value.slice(1));
      return magnitude === null ? null : -magnitude;
    }
    return priceCents(value);
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
  function switchLine(select) {
    // the line now bought from the selected provider: its price, its default max price, its saving
    const row = select.closest("tr.bo-line");
    const option = select.selectedOptions[0];
    if (!row || !option) return;
    row.dataset.price = option.dataset.price;
    row.dataset.provider = option.value;
    const price = row.querySelector(".bo-price");
    if (price) price.textContent = option.dataset.priceText;
    const was = row.querySelector(".bo-was");  // the re-read's "was" is the first provider's
    if (was) was.hidden = option.value !== row.dataset.shownProvider;
    const cell = row.querySelector("td.bo-max");
    const input = cell ? cell.querySelector("input.bo-max-price") : null;
    if (input && option.dataset.max && cents(input.value) === cents(cell.dataset.default)) {
      input.value = option.dataset.max;  // an untouched max price follows the provider
    }
    if (cell && option.dataset.max) cell.dataset.default = option.dataset.max;
    const saving = row.querySelector(".bo-saving");
    if (saving) {
      saving.textContent = option.dataset.savingText;
      saving.dataset.saving = option.dataset.saving;
      saving.classList.toggle("bo-dearer", (signedCents(option.dataset.saving) || 0) < 0);
    }
    providerFigures();
    update();
  }
  function providerFigures() {
    // per provider: the lines bought there and the balance after their expected spend; the saving in all
    const spent = {};
    const lines = {};
    let expected = 0;
    document.querySelectorAll("tr.bo-line").forEach((row) => {
      const code = row.dataset.provider;
      const price = priceCents(row.dataset.price);
      lines[code] = (lines[code] || 0) + 1;
      if (price !== null) {
        spent[code] = (spent[code] || 0) + price;
        expected += price;
      }
    });
    document.querySelectorAll("[data-lines-for]").forEach((count) => {
      const n = lines[count.dataset.linesFor] || 0;
      count.textContent = n + (n === 1 ? " line" : " lines");
    });
    document.querySelectorAll("td.bo-after").forEach((cell) => {
      const balance = priceCents(cell.dataset.balance);
      if (balance === null) return;
      const after = balance - (spent[cell.dataset.provider] || 0);
      cell.textContent = money(after);
      cell.classList.toggle("bo-warn", after < 0);
    });
    const expectedCell = document.getElementById("bo-expected");
    if (expectedCell) expectedCell.textContent = money(expected);
    const savingCell = document.getElementById("bo-saving-total");
    if (savingCell) {
      let saving = 0;
      document.querySelectorAll(".bo-saving[data-saving]").forEach((line) => {
        saving += signedCents(line.dataset.saving) || 0;
      });
      savingCell.textContent = money(saving);
    }
  }
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("input.bo-max-price").forEach((input) => input.addEventListener("input", update));
    document.querySelectorAll("select.bo-via").forEach((select) => {
      const row = select.closest("tr.bo-line");
      if (row) row.dataset.shownProvider = select.value;
      select.addEventListener("change", () => switchLine(select));
    });
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
