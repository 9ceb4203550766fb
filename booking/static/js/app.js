// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  // Prevent a double-clicked submit from sending the form twice.
  if (form.dataset.submitted === "yes") {
    event.preventDefault();
    return;
  }
  if (form.method.toLowerCase() === "post") {
    form.dataset.submitted = "yes";
  }
});
