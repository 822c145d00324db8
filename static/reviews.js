// Review forms answer a refusal (not a buyer, a form to correct, the rate
// limit, the draft helper failing) with the reviews section carrying the
// message, under a 4xx/5xx status; htmx leaves error answers unswapped unless
// told, so swap those into #reviews.
document.addEventListener("htmx:beforeSwap", function (e) {
  var target = e.detail.target;
  if (!target || target.id !== "reviews") return;
  var status = e.detail.xhr.status;
  if ([403, 422, 429, 502, 503].indexOf(status) >= 0) {
    e.detail.shouldSwap = true;
    e.detail.isError = false;
  }
});
