// A notice the person must read before going on (a duplicate registration, a
// link shown only once) is marked data-focus: it takes the focus when the page
// opens, so that screen readers announce it and the keyboard starts there.
// The error summary of a form does the same (see forms.js).
(function () {
  var notice = document.querySelector("[data-focus]");
  if (notice && !document.getElementById("error-summary")) {
    notice.focus();
  }
})();
