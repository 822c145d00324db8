// Claro's small bit of script: htmx does the rest.
document.addEventListener("htmx:responseError", function (e) {
  var el = e.detail.elt;
  if (el && el.classList.contains("load-more")) {
    el.textContent = "Could not load more products. Reload the page to try again.";
  }
});
