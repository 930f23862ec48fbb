// ticks the server-rendered hold countdown once a minute; the server's text stays if this never runs
(function () {
  function span(ms) {
    const m = Math.floor(Math.abs(ms) / 60000), d = Math.floor(m / 1440), h = Math.floor(m % 1440 / 60), n = m % 60;
    const parts = [[d, "day"], [h, "hour"], [n, "minute"]], first = parts.findIndex((p) => p[0]);
    if (first < 0) return "less than a minute";
    return parts.slice(first, first + 2).filter((p) => p[0]).map((p) => p[0] + " " + p[1] + (p[0] === 1 ? "" : "s")).join(" ");
  }
  function tick() {
    document.querySelectorAll("[data-bo-countdown]").forEach((el) => {
      const ms = new Date(el.dataset.boCountdown) - new Date();
      el.textContent = ms >= 0 ? "in " + span(ms) : "ended " + span(ms) + " ago";
    });
  }
  setInterval(tick, 60000);
})();
