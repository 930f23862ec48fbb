// "tick all" on the market search results of a Steam user's buy page
document.getElementById("bo-pick-all")?.addEventListener("change", (event) => {
  document.querySelectorAll(".bo-pick").forEach((box) => { box.checked = event.target.checked; });
});
