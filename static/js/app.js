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
