// AdFlux dashboard: the compliance preview and the pages that refresh themselves.
// Pages work without this file; it only saves clicks and reloads.
"use strict";

(function () {
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401) {
          window.location.reload(); // the session ended: the page shows the sign-in form
          throw new Error("signed out");
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      });
  }

  // Compliance preview: ask the server whenever the choices change.
  function setUpPreview(form) {
    var body = document.getElementById("preview-body");
    var timer = null;
    var sequence = 0;
    function refresh() {
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, name) {
        if (name !== "csrf_token" && name !== "idempotency_key") params.append(name, value);
      });
      var mine = ++sequence;
      getJSON(form.dataset.previewUrl + "?" + params.toString()).then(function (data) {
        if (mine !== sequence) return; // an older answer arriving late
        body.innerHTML = data.html;
        form.dataset.blocked = data.blocked ? "true" : "false";
      }).catch(function () { /* the server-side check still runs on submit */ });
    }
    function soon() {
      clearTimeout(timer);
      timer = setTimeout(refresh, 250);
    }
    form.addEventListener("change", soon);
    form.addEventListener("input", soon);
    if (form.querySelector("input[name=platforms]:checked")) refresh();
  }

  // The age-proxy confirmation is asked only while a flagged segment is chosen, so that it is
  // read rather than ticked out of habit (without this script it is always shown).
  function setUpAgeProxyConfirm(form) {
    var confirm = document.getElementById("age-proxy-confirm");
    if (!confirm) return;
    function update() {
      var flagged = form.querySelector("input[name=segment_ids][data-age-proxy=true]:checked");
      confirm.hidden = !flagged;
      if (!flagged) confirm.querySelector("input").checked = false;
    }
    form.addEventListener("change", update);
    update();
  }

  // A campaign page polls while its platforms are still being published.
  function setUpCampaignLive(section) {
    var delay = 1500;
    function tick() {
      getJSON(section.dataset.liveUrl).then(function (data) {
        section.innerHTML = data.html;
        section.dataset.live = data.live ? "true" : "false";
        if (data.live) setTimeout(tick, delay);
      }).catch(function () {
        delay = Math.min(delay * 2, 15000);
        setTimeout(tick, delay);
      });
    }
    if (section.dataset.live === "true") setTimeout(tick, delay);
  }

  // Training progress: poll until the run is no longer in flight, then show the new state.
  function setUpTraining(section) {
    var status = document.getElementById("training-status");
    var bar = document.getElementById("training-progress");
    var step = document.getElementById("training-step");
    function tick() {
      getJSON(section.dataset.liveUrl).then(function (data) {
        if (!data.in_flight) {
          window.location.reload();
          return;
        }
        status.textContent = data.label;
        if (typeof data.progress.percent === "number") bar.value = data.progress.percent;
        if (data.progress.step) step.textContent = data.progress.step;
        setTimeout(tick, 1500);
      }).catch(function () { setTimeout(tick, 5000); });
    }
    setTimeout(tick, 1500);
  }

  // A form with data-confirm (archiving a campaign) asks first; without this file it just posts.
  function setUpConfirmations() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpConfirmations();
    var form = document.getElementById("campaign-form");
    if (form) setUpPreview(form);
    if (form) setUpAgeProxyConfirm(form);
    var live = document.getElementById("campaign-live");
    if (live) setUpCampaignLive(live);
    var training = document.getElementById("training");
    if (training) setUpTraining(training);
  });
})();
