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
