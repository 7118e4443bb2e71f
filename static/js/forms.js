// Move focus to the error summary so that keyboard and screen reader users
// hear what to correct as soon as the page comes back with errors.
(function () {
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
})();
