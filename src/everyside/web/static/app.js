// everyside: progressive enhancement only; every page works without this file.
// Side tabs filter the article cards in place and "Show 25 more" reveals the next cards of
// the chosen side (both links work without JS via ?side= and ?shown=).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const tabs = document.querySelectorAll(".tabs a.tab");
  const cards = Array.from(document.querySelectorAll("ol.cards > li.card"));
  const more = document.querySelector("p.more-articles a.more");
  const step = more ? parseInt(more.dataset.step, 10) || 25 : 25;
  const current = document.querySelector(".tabs a.tab[aria-current]");
  let side = current ? current.dataset.side : "all";
  let shown = cards.filter((card) => !card.hidden).length || step;

  const matching = () => cards.filter((card) => side === "all" || card.dataset.side === side);
  const apply = () => {
    const match = new Set(matching().slice(0, shown));
    cards.forEach((card) => {
      card.hidden = !match.has(card);
    });
    if (more) {
      const left = matching().length - match.size;
      more.parentElement.hidden = left <= 0;
      more.querySelector(".count").textContent = `(${left} not shown)`;
    }
  };
  const remember = () => {
    const url = new URL(window.location.href);
    url.searchParams.set("side", side);
    url.searchParams.set("shown", String(shown));
    history.replaceState(null, "", url.pathname + url.search + "#articles");
  };

  tabs.forEach((tab) => {
    tab.addEventListener("click", (event) => {
      event.preventDefault();
      side = tab.dataset.side;
      shown = step;
      tabs.forEach((t) => t.removeAttribute("aria-current"));
      tab.setAttribute("aria-current", "true");
      apply();
      remember();
    });
  });
  if (more) {
    more.addEventListener("click", (event) => {
      event.preventDefault();
      const first = matching()[shown];
      shown += step;
      apply();
      remember();
      if (first) {  // keyboard and screen-reader users continue at the first new card
        first.setAttribute("tabindex", "-1");
        first.focus();
      }
    });
  }
  if (cards.length) apply();
});
