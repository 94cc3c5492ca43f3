/* The hub's click-to-call button, for any CRM page.
 *
 * Include it with the token the CRM's backend minted for the signed-in rep (POST /v1/telephony/embed_tokens):
 *   <script src="https://HUB/embed/twilio/click-to-call.js" data-hub-token="TOKEN" defer></script>
 * and mark where buttons go:
 *   <span data-hub-call="con_…" data-hub-call-name="Ada Lovelace"></span>
 * Each marked element gets a "Call" button and a status line. A click rings the rep's phone, then connects
 * them to the contact; the status line follows the call until it ends. The token is sent as a bearer header,
 * never as a cookie, and only to the hub this script came from.
 */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || window.HubClickToCall) return;
  var base = me.src.replace(/\/embed\/twilio\/click-to-call\.js(\?.*)?$/, "");
  var token = me.getAttribute("data-hub-token") || "";
  var POLL_MS = 1500, POLL_LIMIT = 2400;  // about an hour of following one call
  var OUTCOMES = {connected: "connected", busy: "busy", no_answer: "no answer", failed: "failed",
                  canceled: "canceled"};
  var PROGRESS = {pending: "Calling your phone…", queued: "Calling your phone…", initiated: "Calling your phone…",
                  ringing: "Your phone is ringing…", "in-progress": "Connecting you…"};

  function request(method, path, body) {
    var headers = {Authorization: "Bearer " + token};
    if (body) headers["Content-Type"] = "application/json";
    return fetch(base + path, {method: method, headers: headers, body: body ? JSON.stringify(body) : undefined,
                               credentials: "omit", mode: "cors", cache: "no-store"})
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          if (response.ok) return answer;
          var error = new Error(answer.detail || ("The hub answered HTTP " + response.status + "."));
          error.status = response.status;
          throw error;
        });
      });
  }

  function minutes(seconds) {
    var s = seconds % 60;
    return Math.floor(seconds / 60) + ":" + (s < 10 ? "0" : "") + s;
  }

  function show(status, text, state) {
    status.textContent = text;
    status.setAttribute("data-state", state);
  }

  function explain(error) {
    if (error.status === 401) return "Your calling session has ended: reload the page to call.";
    return error.message || "The call could not be started.";
  }

  function follow(call, button, status, polls) {
    if (call.ended) {
      var took = call.duration_seconds ? " (" + minutes(call.duration_seconds) + ")" : "";
      show(status, "Call ended: " + (OUTCOMES[call.outcome] || call.outcome) + took, "ended");
      button.disabled = false;
      return;
    }
    show(status, PROGRESS[call.status] || "On the call…", "active");
    if (polls >= POLL_LIMIT) { button.disabled = false; return; }
    setTimeout(function () {
      request("GET", "/embed/twilio/calls/" + encodeURIComponent(call.id)).then(
        function (next) { follow(next, button, status, polls + 1); },
        function (error) { button.disabled = false; show(status, explain(error), "error"); });
    }, POLL_MS);
  }

  function start(contactId, button, status) {
    button.disabled = true;
    show(status, "Calling your phone…", "active");
    request("POST", "/embed/twilio/calls", {contact_id: contactId}).then(
      function (call) { follow(call, button, status, 0); },
      function (error) { button.disabled = false; show(status, explain(error), "error"); });
  }

  function render(element) {
    if (element.hasAttribute("data-hub-call-ready")) return;
    element.setAttribute("data-hub-call-ready", "");
    var contactId = element.getAttribute("data-hub-call");
    var name = element.getAttribute("data-hub-call-name");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "hub-call-button";
    button.textContent = "Call";
    if (name) button.setAttribute("aria-label", "Call " + name);
    var status = document.createElement("span");
    status.className = "hub-call-status";
    status.style.marginLeft = "0.5em";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    button.addEventListener("click", function () { start(contactId, button, status); });
    element.appendChild(button);
    element.appendChild(status);
  }

  function scan(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("[data-hub-call]"), render);
  }

  window.HubClickToCall = {scan: scan, setToken: function (fresh) { token = String(fresh || ""); }};
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { scan(); });
  } else {
    scan();
  }
  new MutationObserver(function () { scan(); }).observe(document.documentElement, {childList: true, subtree: true});
})();
