/* A signed-out or expired session answers Dash's callback requests with 401 and a "login" URL.
   Dash would only log the failure and leave the page frozen on old data, so send the browser to
   the sign-in page, which brings it back here afterwards. (A kiosk wall never gets here: the
   server signs it in again from its device token.) Loaded by Dash from assets/: no inline script. */
(function () {
  "use strict";
  if (!window.fetch || window.__cockpitAuthHooked) { return; }
  window.__cockpitAuthHooked = true;
  var originalFetch = window.fetch;
  var leaving = false;
  window.fetch = function () {
    return originalFetch.apply(this, arguments).then(function (response) {
      if (response.status === 401 && !leaving) {
        leaving = true;
        var here = window.location.pathname + window.location.search;
        response.clone().json().then(function (body) {
          var target = body && typeof body.login === "string" && body.login.charAt(0) === "/" &&
            body.login.charAt(1) !== "/" ? body.login : "/login?next=" + encodeURIComponent(here);
          window.location.assign(target);
        }, function () {
          window.location.assign("/login?next=" + encodeURIComponent(here));
        });
      }
      return response;
    });
  };
})();
