// An item image that fails to load shows the card's "no image" look. Loaded in <head>, not deferred, so the
// listener is there before any image can fail; "error" does not bubble, so it listens in the capture phase.
document.addEventListener("error", (event) => {
  const img = event.target;
  if (img instanceof HTMLImageElement && img.parentNode.classList.contains("inv-img")) {
    img.parentNode.classList.add("is-broken");
  }
}, true);
