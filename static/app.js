// Claro's small bit of script: htmx does the rest.
document.addEventListener("htmx:responseError", function (e) {
  var el = e.detail.elt;
  if (el && el.classList.contains("load-more")) {
    el.textContent = "Could not load more products. Reload the page to try again.";
  }
});

// Upload progress: htmx reports XHR progress on the form that sent it.
document.addEventListener("htmx:xhr:progress", function (e) {
  var form = e.target.closest && e.target.closest("form.upload");
  if (!form || !e.detail.lengthComputable) return;
  var bar = form.querySelector("progress");
  if (!bar) return;
  bar.hidden = false;
  bar.value = (e.detail.loaded / e.detail.total) * 100;
});

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
