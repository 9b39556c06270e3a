// Confirmation before a button with data-confirm submits its form, and the project
// switcher opening its choice at once. Both are optional: without JavaScript the
// button submits directly and the switcher has its own button.
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const question = button && button.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

for (const select of document.querySelectorAll("select[data-navigate]")) {
  select.addEventListener("change", () => select.form.requestSubmit());
}

const summary = document.querySelector("[data-autofocus]");
if (summary) summary.focus();
