/* <premiere-whats-new>: what's new for one end user, from a Premiere server.
 *
 *   <script src="https://premiere.example.com/widget/whats-new.js" defer></script>
 *   <premiere-whats-new server="https://premiere.example.com" client-key="sdk-client key"
 *     context-key="user-123" context='{"plan": "pro"}'></premiere-whats-new>
 *
 * The panel opens below the button, aligned with its left edge (align="end": its right).
 * A button shows the number of unseen notes; it opens a panel listing the notes that
 * apply to the context (newest first), marks them seen, and lets the user react and
 * comment. Titles are inserted as text; note bodies are HTML sanitised by the server,
 * rebuilt here element by element through an allow-list without the browser's HTML
 * parser, so nothing in them can run or load. No framework, no dependency; plain DOM in a shadow root.
 */
(() => {
  "use strict";
  const REACTIONS = [["like", "👍", "Like"], ["dislike", "👎", "Dislike"],
    ["love", "🎉", "Love it"], ["confused", "😕", "Confused"]];
  const TAGS = new Set(["P", "A", "EM", "STRONG", "CODE", "PRE", "UL", "OL", "LI",
    "BLOCKQUOTE", "H2", "H3", "H4", "H5", "H6", "HR", "BR"]);
  const CSS = `
:host{font:14px/1.4 system-ui,sans-serif;color:#1d1d1f;position:relative;display:inline-block}
button{font:inherit;cursor:pointer}
.toggle{border:1px solid #8a8a8e;border-radius:6px;background:#fff;padding:.3em .7em}
.badge{display:inline-block;min-width:1.4em;margin-left:.4em;border-radius:1em;
  background:#b3261e;color:#fff;text-align:center;font-size:.85em;padding:0 .3em}
.badge[hidden]{display:none}
.panel{position:absolute;left:0;z-index:1000;width:min(24rem,90vw);max-height:70vh;overflow:auto;
  background:#fff;border:1px solid #8a8a8e;border-radius:8px;padding:.75rem;
  box-shadow:0 4px 16px rgba(0,0,0,.2);margin-top:.3rem}
.panel[hidden]{display:none}
:host([align=end]) .panel{left:auto;right:0}
h2{font-size:1.05em;margin:0 0 .5rem}
article{border-top:1px solid #ddd;padding:.5rem 0}
h3{font-size:1em;margin:.2rem 0}
.category{font-size:.8em;text-transform:uppercase;color:#555}
.reactions{display:flex;flex-wrap:wrap;gap:.25rem}
.reactions button{border:1px solid #767676;background:#f7f7f7;color:inherit;border-radius:4px}
.reactions button[aria-pressed=true]{border-color:#1d4ed8;background:#dbeafe}
textarea{width:100%;box-sizing:border-box;font:inherit;margin-top:.3rem}
.status{font-size:.85em;color:#555;min-height:1em}
@media (prefers-color-scheme:dark){:host{color:#f2f2f7}.toggle,.panel{background:#1c1c1e;color:#f2f2f7}
  .reactions button{background:#2c2c2e;color:#f2f2f7}.category,.status{color:#bbb}}`;

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };
  const decode = (text) => text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (all, name) => {
    if (name[0] !== "#") return ENTITIES[name.toLowerCase()] ?? all;
    const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code > 0 && code < 0x110000 ? String.fromCodePoint(code) : "";
  });

  // Builds the allowed elements of server-sanitised HTML with DOM calls; the markup is
  // never handed to the browser's HTML parser, so nothing in it can run or load. Any
  // other tag is dropped (its text kept, as text); of attributes only a link's http(s)
  // or mailto href is kept.
  function safeFragment(html) {
    const out = document.createDocumentFragment();
    const stack = [out];
    const tokens = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)((?:[^>"']|"[^"]*"|'[^']*')*)>|<!--[\s\S]*?-->|([^<]+|<)/g;
    for (const [, closing, rawTag, attrs, text] of String(html || "").matchAll(tokens)) {
      const top = stack[stack.length - 1];
      if (text !== undefined) { top.appendChild(document.createTextNode(decode(text))); continue; }
      const tag = (rawTag || "").toUpperCase();
      if (!TAGS.has(tag)) continue;
      if (closing) {
        const at = stack.map((n) => n.nodeName).lastIndexOf(tag);
        if (at > 0) stack.length = at;
        continue;
      }
      const made = document.createElement(tag.toLowerCase());
      if (tag === "A") {
        const href = /\bhref\s*=\s*("([^"]*)"|'([^']*)')/i.exec(attrs || "");
        const url = href ? decode(href[2] ?? href[3] ?? "").trim() : "";
        if (/^(https?:|mailto:)/i.test(url)) made.setAttribute("href", url);
        made.setAttribute("rel", "noopener noreferrer nofollow");
        made.setAttribute("target", "_blank");
      }
      top.appendChild(made);
      if (tag !== "BR" && tag !== "HR") stack.push(made);
    }
    return out;
  }

  class PremiereWhatsNew extends HTMLElement {
    static get observedAttributes() { return ["server", "client-key", "context-key", "context"]; }

    constructor() {
      super();
      const root = this.attachShadow({ mode: "open" });
      if (root.adoptedStyleSheets !== undefined && typeof CSSStyleSheet === "function") {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS); // not an inline style: pages with a strict CSP allow it
        root.adoptedStyleSheets = [sheet];
      } else {
        root.appendChild(el("style", {}, CSS));
      }
      this.toggle = el("button", { type: "button", class: "toggle", "aria-expanded": "false" });
      this.toggle.append(el("span", {}, "What's new"));
      this.badge = el("span", { class: "badge", hidden: "" }, "0");
      this.toggle.append(this.badge);
      this.panel = el("section", { class: "panel", hidden: "", role: "dialog",
        "aria-label": "What's new" });
      root.append(this.toggle, this.panel);
      this.notes = [];
      this.toggle.addEventListener("click", () => this.setOpen(this.panel.hidden));
      this.panel.addEventListener("keydown", (e) => {
        if (e.key === "Escape") { this.setOpen(false); this.toggle.focus(); }
      });
    }

    connectedCallback() { this.schedule(); }

    attributeChangedCallback() { if (this.isConnected) this.schedule(); }

    // One request for several attribute changes at once (an upgrade sets them all).
    schedule() {
      if (this.pending) return;
      this.pending = true;
      queueMicrotask(() => { this.pending = false; this.refresh(); });
    }

    context() {
      let extra = {};
      try { extra = JSON.parse(this.getAttribute("context") || "{}") || {}; } catch (e) { extra = {}; }
      const key = this.getAttribute("context-key");
      return key ? { ...extra, key } : extra;
    }

    async call(path, body) {
      const server = (this.getAttribute("server") || "").replace(/\/+$/, "");
      const response = await fetch(`${server}/api/v1/whats-new${path}`, {
        method: "POST",
        headers: { "Content-Type": "application/json",
          Authorization: `Bearer ${this.getAttribute("client-key") || ""}` },
        body: JSON.stringify({ context: this.context(), ...(body || {}) }),
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error((data.error && data.error.message) || response.statusText);
      return data;
    }

    async refresh() {
      try {
        this.show(await this.call(""));
      } catch (error) {
        this.notes = [];
        this.render(`What's new is not available (${error.message}).`);
      }
    }

    show(data) {
      this.notes = Array.isArray(data.notes) ? data.notes : [];
      const unseen = Number(data.unseen) || 0;
      this.badge.textContent = String(unseen);
      this.badge.hidden = unseen === 0;
      this.toggle.setAttribute("aria-label", `What's new: ${unseen} unseen`);
      this.render();
      this.dispatchEvent(new CustomEvent("premiere-whats-new", { detail: { unseen } }));
    }

    async setOpen(open) {
      this.panel.hidden = !open;
      this.toggle.setAttribute("aria-expanded", String(open));
      if (open && this.notes.some((n) => !n.seen)) {
        try { this.show(await this.call("/seen")); } catch (error) { /* shown next time */ }
      }
      if (open) this.panel.focus();
    }

    render(message) {
      this.panel.replaceChildren(el("h2", {}, "What's new"));
      this.panel.tabIndex = -1;
      if (message || this.notes.length === 0) {
        this.panel.append(el("p", {}, message || "Nothing new for now."));
        return;
      }
      for (const note of this.notes) this.panel.append(this.article(note));
    }

    article(note) {
      const article = el("article", { "data-note": String(note.id) });
      article.append(el("span", { class: "category" }, String(note.category || "")));
      article.append(el("h3", {}, String(note.title || "")));
      const body = el("div", { class: "body" });
      body.append(safeFragment(note.body_html));
      article.append(body);
      const status = el("p", { class: "status", role: "status" });
      const reactions = el("div", { class: "reactions", role: "group",
        "aria-label": "Your reaction" });
      for (const [code, emoji, label] of REACTIONS) {
        const button = el("button", { type: "button", "aria-pressed": "false",
          "data-reaction": code });
        button.append(el("span", { "aria-hidden": "true" }, `${emoji} `), label);
        button.addEventListener("click", () =>
          this.send(note, { reaction: code }, status, () => {
            for (const b of reactions.children) b.setAttribute("aria-pressed", String(b === button));
          }));
        reactions.append(button);
      }
      const id = `comment-${note.id}`;
      const label = el("label", { for: id }, "Comment (optional)");
      const comment = el("textarea", { id, maxlength: "1000", rows: "2" });
      const send = el("button", { type: "button" }, "Send comment");
      send.addEventListener("click", () => {
        if (comment.value.trim()) this.send(note, { comment: comment.value }, status, () => {
          comment.value = "";
        });
      });
      article.append(reactions, label, comment, send, status);
      return article;
    }

    async send(note, body, status, done) {
      status.textContent = "Sending…";
      try {
        await this.call(`/${encodeURIComponent(note.id)}/feedback`, body);
        done();
        status.textContent = "Thank you for your feedback.";
      } catch (error) {
        status.textContent = `Not sent: ${error.message}`;
      }
    }
  }

  if (!customElements.get("premiere-whats-new")) {
    customElements.define("premiere-whats-new", PremiereWhatsNew);
  }
})();
