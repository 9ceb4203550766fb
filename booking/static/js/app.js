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

// No inline handlers (the Content-Security-Policy allows scripts from this file only):
// a <select data-autosubmit> submits its form when changed, a <button data-print> prints the page.
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.matches && field.matches("select[data-autosubmit]") && field.form) {
    field.form.submit();
  }
  // A class select (data-pupils-field): the pupil count follows the chosen class's size, unless the
  // teacher typed another number for the class before. The server does the same without JavaScript.
  if (field.matches && field.matches("select[data-pupils-field]")) {
    var pupils = document.getElementById(field.getAttribute("data-pupils-field"));
    var from = document.getElementById(field.getAttribute("data-pupils-from"));
    var chosen = field.options[field.selectedIndex];
    var before = from && field.querySelector('option[value="' + from.value + '"]');
    if (pupils && chosen && chosen.dataset.pupils && (!before || pupils.value === before.dataset.pupils)) {
      pupils.value = chosen.dataset.pupils;
      if (from) {
        from.value = chosen.value;
      }
    }
  }
});

document.addEventListener("click", function (event) {
  if (event.target.closest && event.target.closest("button[data-print]")) {
    window.print();
  }
});

// Copy buttons (data-copy="<id of the element whose text to copy>"): hidden in the HTML, shown only
// where the browser can copy; without JavaScript the address is still there to select.
(function () {
  var canCopy = !!(navigator.clipboard && window.isSecureContext) || !!document.queryCommandSupported && document.queryCommandSupported("copy");
  if (!canCopy) {
    return;
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.hidden = false;
  });

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    document.body.removeChild(area);
    return copied ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) {
      return;
    }
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) {
      return;
    }
    var text = source.textContent.trim();
    var status = button.parentNode.querySelector(".copy-status");
    var copy = navigator.clipboard && window.isSecureContext ? navigator.clipboard.writeText(text) : fallbackCopy(text);
    copy.catch(function () {
      return fallbackCopy(text);
    }).then(function () {
      button.classList.add("copied");
      if (status) {
        status.textContent = button.getAttribute("data-copied");
      }
      window.setTimeout(function () {
        button.classList.remove("copied");
        if (status) {
          status.textContent = "";
        }
      }, 4000);
    }, function () {
      if (status) {
        status.textContent = button.getAttribute("data-copy-failed");
      }
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    });
  });
})();
