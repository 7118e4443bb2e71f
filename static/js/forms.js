// Move focus to the error summary so that keyboard and screen reader users
// hear what to correct as soon as the page comes back with errors.
// A link in the summary focuses its field (the first button of a group) and
// shows the field's label or the group's question above it.
(function () {
  var summary = document.getElementById("error-summary");
  if (!summary) return;
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) return;
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    event.preventDefault();
    var group = field.closest("fieldset.field") || field.closest(".field") || field;
    group.scrollIntoView();
    field.focus({ preventScroll: true });
  });
})();
