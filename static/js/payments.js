// Copy buttons on the bank-transfer page; the values stay selectable text without this.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  if (!source || !navigator.clipboard) return;
  const label = button.textContent;
  navigator.clipboard.writeText(source.textContent.trim()).then(() => {
    button.textContent = "✓";
    setTimeout(() => { button.textContent = label; }, 1500);
  });
});
