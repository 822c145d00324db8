// Claro's small bit of script: htmx does the rest.

// Upload progress: htmx reports XHR progress on the form that sent it.
document.addEventListener("htmx:xhr:progress", function (e) {
  var form = e.target.closest && e.target.closest("form.upload");
  if (!form || !e.detail.lengthComputable) return;
  var bar = form.querySelector("progress");
  if (!bar) return;
  bar.hidden = false;
  bar.value = (e.detail.loaded / e.detail.total) * 100;
});

// ---------------------------------------------------------------------------
// htmx feedback. Every htmx control shows a spinner while its request runs
// (hx-indicator, styled in app.css) and is disabled meanwhile
// (hx-disabled-elt). When the request fails (an error status, or no answer at
// all because the network is gone) a message with role="alert" appears next
// to the control that sent it; that control's next success removes it.
// ---------------------------------------------------------------------------
(function () {
  var OFFLINE = "Could not reach Claro. Check your connection and try again.";
  var TIMEOUT = "Claro took too long to answer. Please try again.";

  // The element a message belongs beside: the form that sent the request,
  // or the link that holds it (the cart badge), or the element itself.
  function host(elt) {
    return (elt.closest && (elt.closest("form") || elt.closest("a"))) || elt;
  }

  function clear(elt) {
    var h = host(elt);
    if (h.claroAlert) {
      h.claroAlert.remove();
      h.claroAlert = null;
    }
  }

  function show(elt, text) {
    var h = host(elt);
    var box = h.claroAlert;
    if (!box || !box.isConnected) {
      box = document.createElement("p");
      box.className = "htmx-error";
      box.setAttribute("role", "alert");
      h.insertAdjacentElement("afterend", box);
      h.claroAlert = box;
    }
    box.textContent = text;
  }

  // What an error answer says: the sentence of Claro's error page (its h1)
  // when the answer is one, else its status; a busy or failing server is
  // worth trying again, a refusal is not.
  function said(xhr) {
    var text = "";
    try {
      var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
      var h1 = doc.querySelector("main h1, h1");
      text = h1 ? h1.textContent.trim() : "";
    } catch (_) { /* not HTML */ }
    if (!text || text.length > 200) {
      text = "Something went wrong (error " + xhr.status + ").";
    }
    if (xhr.status >= 500 || xhr.status === 429) {
      text += " Please try again.";
    }
    return text;
  }

  document.addEventListener("htmx:beforeRequest", function (e) {
    host(e.detail.elt).setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    var elt = e.detail.elt;
    host(elt).removeAttribute("aria-busy");
    if (e.detail.successful === true) clear(elt);
  });
  document.addEventListener("htmx:responseError", function (e) {
    show(e.detail.elt, said(e.detail.xhr));
  });
  document.addEventListener("htmx:sendError", function (e) {
    show(e.detail.elt, OFFLINE);
  });
  document.addEventListener("htmx:timeout", function (e) {
    show(e.detail.elt, TIMEOUT);
  });
})();

// Copy buttons (data-copy): the text goes to the clipboard and the button
// says "Copied". Where the clipboard is refused (plain HTTP, an old browser)
// the text next to the button is selected instead, ready for Ctrl-C.
document.addEventListener("click", function (e) {
  var btn = e.target.closest && e.target.closest("button[data-copy]");
  if (!btn) return;
  var text = btn.getAttribute("data-copy");
  var label = btn.getAttribute("data-label") || btn.textContent;
  btn.setAttribute("data-label", label);
  function said(msg) {
    btn.textContent = msg;
    btn.classList.add("copied");
    setTimeout(function () { btn.textContent = label; btn.classList.remove("copied"); }, 2000);
  }
  function selectIt() {
    var code = btn.previousElementSibling;
    if (code && window.getSelection) {
      var range = document.createRange();
      range.selectNodeContents(code);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
    }
    said("Selected: press Ctrl-C");
  }
  if (navigator.clipboard && navigator.clipboard.writeText) {
    navigator.clipboard.writeText(text).then(function () { said("Copied"); }, selectIt);
  } else {
    selectIt();
  }
});

// A table wider than a phone scrolls inside itself (app.css); one that does
// is made focusable, so a keyboard can scroll it too.
function focusableScrollers() {
  document.querySelectorAll(".table").forEach(function (t) {
    if (t.scrollWidth > t.clientWidth) t.tabIndex = 0;
    else t.removeAttribute("tabindex");
  });
}
document.addEventListener("DOMContentLoaded", focusableScrollers);
document.addEventListener("htmx:afterSettle", focusableScrollers);
window.addEventListener("resize", focusableScrollers);

// The header's search box is a combobox: htmx fills its listbox with
// suggestions (GET /search/suggest); arrow keys move aria-activedescendant
// through the options, Enter opens the active one, Escape closes the list.
(function () {
  function parts(input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    return { list: list, options: list ? Array.prototype.slice.call(list.querySelectorAll('[role="option"]')) : [] };
  }
  function close(input) {
    var p = parts(input);
    if (p.list) p.list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }
  function activate(input, options, i) {
    options.forEach(function (o, j) { o.setAttribute("aria-selected", j === i ? "true" : "false"); });
    if (i < 0) { input.removeAttribute("aria-activedescendant"); return; }
    input.setAttribute("aria-activedescendant", options[i].id);
    options[i].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("htmx:afterSwap", function (e) {
    var list = e.detail.target;
    if (!list || list.getAttribute("role") !== "listbox") return;
    var input = document.querySelector('[role="combobox"][aria-controls="' + list.id + '"]');
    if (!input) return;
    var open = input.value.trim() !== "" && list.children.length > 0 && document.activeElement === input;
    list.hidden = !open;
    input.setAttribute("aria-expanded", open ? "true" : "false");
    input.removeAttribute("aria-activedescendant");
  });
  document.addEventListener("keydown", function (e) {
    var input = e.target;
    if (!input.matches || !input.matches('[role="combobox"]')) return;
    var p = parts(input);
    if (e.key === "Escape") {
      // Open, Escape closes the list and keeps the text; closed, the
      // browser's own Escape clears the box.
      if (p.list && !p.list.hidden) { e.preventDefault(); close(input); }
      return;
    }
    if (!p.list || p.list.hidden || p.options.length === 0) return;
    var cur = p.options.findIndex(function (o) { return o.id === input.getAttribute("aria-activedescendant"); });
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      var n = p.options.length;
      activate(input, p.options, e.key === "ArrowDown" ? (cur + 1) % n : (cur <= 0 ? n - 1 : cur - 1));
    } else if (e.key === "Enter" && cur >= 0) {
      e.preventDefault();
      window.location.assign(p.options[cur].href);
    }
  });
  // However the form is submitted with an option active (Enter's implicit
  // submission), the option wins: it opens instead of the results page.
  document.addEventListener("submit", function (e) {
    var input = e.target.querySelector && e.target.querySelector('[role="combobox"][aria-activedescendant]');
    if (!input) return;
    var opt = document.getElementById(input.getAttribute("aria-activedescendant"));
    var list = parts(input).list;
    if (!opt || !list || list.hidden) return;
    e.preventDefault();
    window.location.assign(opt.href);
  }, true);
  document.addEventListener("focusout", function (e) {
    var input = e.target;
    if (!input.matches || !input.matches('[role="combobox"]')) return;
    // A click on an option lands after the blur: close a moment later.
    setTimeout(function () { if (document.activeElement !== input) close(input); }, 200);
  });
})();
