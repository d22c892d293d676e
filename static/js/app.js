// Small progressive enhancements; every page works without this file.

// htmx here only reads (the search form, an order's status): every state change is a plain
// form carrying its CSRF token. An htmx request with another verb, or to another site, comes
// from markup the site did not write, and is dropped before it is sent. Registered before
// htmx processes the page, so it also holds for a `load` trigger.
document.addEventListener("htmx:validateUrl", (event) => {
  if (event.detail.verb !== "get" || !event.detail.sameHost) event.preventDefault();
});

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("submit", (event) => {
      if (!window.confirm(el.dataset.confirm)) event.preventDefault();
    });
  });
  document.querySelectorAll("form[data-autosubmit] select, form[data-autosubmit] input[type=checkbox]").forEach((el) => {
    el.addEventListener("change", () => el.form.requestSubmit());
  });
});

// Search suggestions, the ARIA combobox pattern: the box asks /search/suggest as one types
// (htmx), ↓/↑ move through the options, Enter opens the chosen one, Escape closes the list.
// Without JavaScript the box is a plain search form.
function suggestParts(input) {
  const list = document.getElementById(input.getAttribute("aria-controls"));
  return { list, options: list ? Array.from(list.querySelectorAll("[role=option]")) : [] };
}

function closeSuggestions(input) {
  const { list } = suggestParts(input);
  if (list) list.replaceChildren();
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
}

document.addEventListener("htmx:afterSwap", (event) => {
  const input = document.querySelector(`[role=combobox][aria-controls="${event.detail.target.id}"]`);
  if (!input) return;
  const { options } = suggestParts(input);
  input.setAttribute("aria-expanded", options.length ? "true" : "false");
  input.removeAttribute("aria-activedescendant");
});

document.addEventListener("keydown", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.getAttribute("role") !== "combobox") return;
  const { options } = suggestParts(input);
  if (event.key === "Escape") {
    closeSuggestions(input);
    return;
  }
  if (!options.length) return;
  const current = options.findIndex((option) => option.id === input.getAttribute("aria-activedescendant"));
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    const step = event.key === "ArrowDown" ? 1 : -1;
    // positions cycle through the box itself (-1) and each option
    const next = (current + 1 + step + options.length + 1) % (options.length + 1) - 1;
    options.forEach((option, index) => option.setAttribute("aria-selected", index === next ? "true" : "false"));
    if (next >= 0) input.setAttribute("aria-activedescendant", options[next].id);
    else input.removeAttribute("aria-activedescendant");
  } else if (event.key === "Enter" && current >= 0) {
    event.preventDefault();
    window.location.assign(options[current].querySelector("a").href);
  }
});

document.addEventListener("focusout", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.getAttribute("role") !== "combobox") return;
  const { list } = suggestParts(input);
  // a click on an option moves the focus into the list: let the link be followed
  if (list && event.relatedTarget && list.contains(event.relatedTarget)) return;
  window.setTimeout(() => closeSuggestions(input), 150);
});
