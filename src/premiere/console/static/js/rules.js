// The rule editor: choosing "is in segment" (or leaving it) shows the right fields at
// once, by posting the form with its "Show the fields" button, which saves nothing.
// Without JavaScript that button is there to press.
for (const button of document.querySelectorAll("button[data-refresh]")) {
  const select = button.parentElement.querySelector("select");
  if (!select) continue;
  button.hidden = true;
  const before = select.value;
  select.addEventListener("change", () => {
    if ((before === "segment_match") !== (select.value === "segment_match")) {
      select.form.requestSubmit(button);
    }
  });
}
