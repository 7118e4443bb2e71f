// The verdict a scanner gives without a connection, from its own ticket list. It must
// say what the server would say: the server's check-in decision (the lifecycle lets
// the door check in a confirmed registration not yet checked in; a cancelled one is
// "cancelled", any other status "not confirmed"). The cases both must agree on are
// one table, tests/js/door_verdicts.json, run against the server by pytest and against
// this module by Node. The server judges every queued scan again when it syncs.

import { fill } from "./texts.js";

var TITLES = {
  queued: "queued",
  unknown: "unknown",
  cancelled: "cancelled",
  not_confirmed: "notConfirmed",
  already: "already",
  checked_in: "checkedIn",
  outside_window: "outsideWindow",
};

// `found` is what the list says about a ticket (tickets.js findTicket): {person:
// {r, n, o, s}, checkedInAt}; null for a code the list does not know; false when
// there is no list to ask or it cannot be read: the scan waits for the server.
// `door`: the list's check-in window ({opens, closes}, ISO times), `now` in ms: a
// check-in outside it is refused as the server refuses it (checkin.windows).
export function offlineResult(found, door, now) {
  if (found === false) return "queued";
  if (!found) return "unknown";
  if (found.person.s === "cancelled") return "cancelled";
  if (found.person.s !== "confirmed") return "not_confirmed";
  if (found.checkedInAt) return "already";
  if (door && (now < Date.parse(door.opens) || now > Date.parse(door.closes))) return "outside_window";
  return "checked_in";
}

// The verdict as the scanner shows it, in the server's words `T`; `clock(iso, withDay)`
// writes a time (with its day).
export function offlineVerdict(found, T, clock, door, now) {
  var result = offlineResult(found, door, now);
  var verdict = { offline: true, result: result, title: T[TITLES[result]], detail: T.offlineDetail };
  // With the day: a window two days ahead is not "open from 16:19" today.
  if (result === "outside_window") verdict.detail = fill(T.outsideWindowDetail, { opens: clock(door.opens, true), closes: clock(door.closes, true) });
  if (result === "queued") {
    verdict.detail = T.queuedDetail;
  } else if (result === "unknown") {
    verdict.detail = T.unknownDetail;
  } else {
    var person = found.person;
    Object.assign(verdict, { name: person.n, organization: person.o, registration_id: person.r });
    if (result === "already") verdict.detail = fill(T.alreadyAt, { time: clock(found.checkedInAt) });
  }
  return verdict;
}
