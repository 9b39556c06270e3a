// Live updates: listen to the console stream named by [data-live] and, on each change,
// fetch every [data-fragment] inside it again. Without JavaScript the page is complete.
const root = document.querySelector("[data-live]");

async function refresh(element) {
  const response = await fetch(element.dataset.fragment, {
    credentials: "same-origin",
    headers: { Accept: "text/html" },
  });
  if (response.redirected || !response.ok) return; // signed out, or gone: leave as is
  element.innerHTML = await response.text(); // HTML escaped by the server's templates
}

function refreshAll() {
  for (const element of root.querySelectorAll("[data-fragment]")) {
    refresh(element).catch(() => {});
  }
}

if (root && "EventSource" in window) {
  const events = new EventSource(root.dataset.live);
  let connected = false;
  events.addEventListener("ready", () => {
    if (connected) refreshAll(); // reconnected: something may have changed meanwhile
    connected = true;
    root.dataset.liveReady = ""; // listening: changes from now on show here
  });
  events.addEventListener("change", refreshAll);
}
