// aduan: the file field in Indonesian whatever the browser's language.
// Without this script the browser's own file field shows (it still works);
// with it, "Pilih berkas" and the chosen file's name, in our words.
(function () {
  'use strict';
  var picks = document.querySelectorAll('.pick');
  Array.prototype.forEach.call(picks, function (p) {
    var input = p.querySelector('input[type=file]');
    var ui = p.querySelector('.pick-ui');
    var name = p.querySelector('.pick-name');
    if (!input || !ui || !name) { return; }
    p.classList.add('js');
    ui.hidden = false;
    var show = function () {
      var names = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
      name.textContent = names.length ? names.join(', ') : 'Belum ada berkas dipilih.';
    };
    input.addEventListener('change', show);
    show();
  });
}());
