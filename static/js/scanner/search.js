// The search at the door, for a person without their code: by name, email,
// organization or the end of a ticket code, online; offline by name only, and only
// when the organizer lets the device keep the names.
import { call, isOnline, withQuery } from "./api.js";
import { checkInById, checkInOffline, undo } from "./checkin.js";
import { data, T } from "./page.js";
import { store } from "./sync.js";

var searchInput = document.getElementById("search");
var resultsList = document.getElementById("search-results");
var searchTimer = null;

function runSearch() {
  var query = searchInput.value.trim();
  if (query.replace(/\s/g, "").length < 3) {  // the server wants 3 characters or more
    resultsList.textContent = "";
    return;
  }
  var online = isOnline() ? call(withQuery(data.searchUrl, "q=" + encodeURIComponent(query))) : Promise.reject();
  online.then(showResults, function () {
    return searchOffline(query);
  });
}

function searchOffline(query) {
  var searching = store ? store.searchNames(query) : Promise.resolve([]);
  return searching.then(function (people) {
    if (!people.length) {
      resultsList.textContent = T.offlineSearch;
      return;
    }
    showResults({ results: people.map(function (person) {
      return { registration_id: person.r, name: person.n, organization: person.o, checked_in: !!person.checkedInAt, offline: person };
    }) });
  }, function () {
    resultsList.textContent = T.offlineSearch;
  });
}

function resultButton(label, name, primary, action) {
  var button = document.createElement("button");
  button.type = "button";
  button.className = primary ? "button button-primary" : "button";
  button.textContent = label;
  button.setAttribute("aria-label", label + ": " + name);
  button.addEventListener("click", function () { action().then(runSearch); });
  return button;
}

function showResults(json) {
  resultsList.textContent = "";
  if (json.error || !(json.results || []).length) {
    var none = document.createElement("li");
    none.textContent = json.error || T.noResults;
    resultsList.appendChild(none);
    return;
  }
  json.results.forEach(function (person) {
    var item = document.createElement("li");
    var text = document.createElement("span");
    text.className = "result-text";
    text.textContent = person.offline
      ? person.name + " – " + person.organization
      : person.name + " – " + person.organization + ", " + person.email + " (" + person.status_label + ")";
    item.appendChild(text);
    if (person.checked_in) {
      var done = document.createElement("strong");
      done.textContent = " " + T.checkedIn;
      item.appendChild(done);
      item.appendChild(resultButton(T.undoCheckIn, person.name, false, function () {
        return undo(person.registration_id, person.name, person.offline ? person.offline.k : null);
      }));
    } else {
      item.appendChild(resultButton(T.checkIn, person.name, true, function () {
        return person.offline ? checkInOffline(person.offline) : checkInById(person.registration_id);
      }));
    }
    if (person.badge_url) {  // online results only: a confirmed person's badge to print
      var badge = document.createElement("a");
      badge.className = "button";
      badge.href = person.badge_url;
      badge.target = "_blank";
      badge.rel = "noopener";
      badge.textContent = T.badge;
      badge.setAttribute("aria-label", T.badge + ": " + person.name);
      item.appendChild(badge);
    }
    resultsList.appendChild(item);
  });
}

export function setUpSearch() {
  searchInput.addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, 250);
  });
}
