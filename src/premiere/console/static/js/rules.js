// The rule editor: choosing "is in segment" (or leaving it) shows the right fields at
// once, by posting the form with its "Show the fields" button, which saves nothing.
// Without JavaScript that button is there to press. The fields on the page are those of
// the operator the page was rendered with (its selected option), so a choice made before
// this script ran (a slow load, a restored form) is acted on as soon as it runs.
for (const button of document.querySelectorAll("button[data-refresh]")) {
  const select = button.parentElement.querySelector("select");
  if (!select) continue;
  button.hidden = true;
  const options = [...select.options];
  const rendered = (options.find((option) => option.defaultSelected) ?? options[0])?.value;
  const refresh = () => {
    if ((rendered === "segment_match") !== (select.value === "segment_match")) {
      select.form.requestSubmit(button);
    }
  };
  select.addEventListener("change", refresh);
  refresh();
}
