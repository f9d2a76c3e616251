// everyside: progressive enhancement only; every page works without this file.
// Side tabs filter the article cards in place (the links work without JS via ?side=).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const tabs = document.querySelectorAll(".tabs a.tab");
  const cards = document.querySelectorAll("ol.cards > li.card");
  tabs.forEach((tab) => {
    tab.addEventListener("click", (event) => {
      event.preventDefault();
      const side = tab.dataset.side;
      cards.forEach((card) => {
        card.hidden = side !== "all" && card.dataset.side !== side;
      });
      tabs.forEach((t) => t.removeAttribute("aria-current"));
      tab.setAttribute("aria-current", "true");
      const url = new URL(window.location.href);
      url.searchParams.set("side", side);
      history.replaceState(null, "", url.pathname + url.search + "#articles");
    });
  });
});
