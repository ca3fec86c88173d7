// The acknowledgement's link carries the access code in the fragment
// (#kode=...), which browsers never send to a server, so no log or proxy
// sees it. This reads it, drops it from the address bar and history, and
// sends the form by POST. Without JavaScript the form is filled in by hand.
(function () {
  var m = /(?:^#|&)kode=([A-Za-z0-9-]{4,64})/.exec(window.location.hash);
  if (!m) { return; }
  var form = document.getElementById('lacak-form');
  if (!form) { return; }
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, '', window.location.pathname);
  }
  form.elements.code.value = m[1];
  form.submit();
})();
