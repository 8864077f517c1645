// Runs before the page is drawn: switches the stylesheet to its JavaScript layout (no flash
// of the plain-form controls), and maps TodoMVC's hash routes onto this app's filter URLs.
(function () {
  'use strict';
  var root = document.documentElement;
  root.classList.remove('no-js');
  root.classList.add('js');
  var route = /^#!?\/(active|completed)?$/.exec(window.location.hash);
  if (route && window.location.pathname === '/') {
    window.location.replace('/' + (route[1] || ''));
  }
})();
