// The scanner's offline verdict (static/js/scanner/verdicts.js) on the cases of
// door_verdicts.json, the table the server's decision is tested on too
// (tests/test_scanner_verdicts.py). Run by that pytest test, which hands over, in
// DOOR_VERDICT_LISTS, the ticket list the server made for each case: the verdict is
// then read from the server's own encrypted list, through tickets.js. Run alone
// (node --test tests/js/door_verdicts.test.mjs), only the decision is tested, on what
// each case's list would say.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { findTicket, importListKey } from "../../static/js/scanner/tickets.js";
import { offlineResult, offlineVerdict } from "../../static/js/scanner/verdicts.js";

const { cases } = JSON.parse(readFileSync(new URL("door_verdicts.json", import.meta.url)));
const lists = process.env.DOOR_VERDICT_LISTS
  ? JSON.parse(readFileSync(process.env.DOOR_VERDICT_LISTS, "utf8"))
  : null;

const TEXTS = {
  queued: "Saved", queuedDetail: "no list", unknown: "Unknown", unknownDetail: "no such ticket",
  cancelled: "Cancelled", notConfirmed: "No seat", already: "Already", alreadyAt: "in at {time}",
  checkedIn: "In", offlineDetail: "offline", outsideWindow: "Shut", outsideWindowDetail: "open {opens}-{closes}",
};
const TITLES = {
  queued: "Saved", unknown: "Unknown", cancelled: "Cancelled", not_confirmed: "No seat",
  already: "Already", checked_in: "In", outside_window: "Shut",
};
const clock = (iso) => `time(${iso})`;

function deviceSays(row) {
  return row.offline ?? row.expect;
}

// What the device's list says about the case's ticket, by the rules the server builds
// the list with: no list, or no such ticket there, or the person with their door state.
function listSays(row) {
  if (row.device) return false;
  if (row.event === "other" || row.erased || ["no_such_code", "blank", "three_codes"].includes(row.typed)) {
    return null;
  }
  const inside = row.course ? row.course.attended.includes(row.course.at) : Boolean(row.checked_in);
  return {
    index: "k",
    person: { r: 7, n: "Anna Nowak", o: "Koło Gospodyń", s: row.status ?? "confirmed" },
    checkedInAt: inside ? "2026-05-16T08:00:00Z" : null,
  };
}

// The check-in window the list carries: a minute ahead ("early") or a minute past ("late").
const NOW = Date.parse("2026-05-16T08:00:00Z");
function doorSays(row) {
  const minute = 60 * 1000;
  if (row.door === "early") return { opens: new Date(NOW + minute).toISOString(), closes: new Date(NOW + 6 * 60 * minute).toISOString() };
  if (row.door === "late") return { opens: new Date(NOW - 6 * 60 * minute).toISOString(), closes: new Date(NOW - minute).toISOString() };
  return { opens: new Date(NOW - 60 * minute).toISOString(), closes: new Date(NOW + 60 * minute).toISOString() };
}

for (const row of cases) {
  test(`the decision alone: ${row.name}`, () => {
    assert.equal(offlineResult(listSays(row), doorSays(row), NOW), deviceSays(row));
  });
}

// The ticket as the device finds it in the server's list: by its code, or by name.
async function findInList(made) {
  if (!made.list) return false;
  const entries = new Map(made.list.entries.map((entry) => [entry.k, entry]));
  if (made.kind === "name") {
    const person = (made.list.names ?? []).find((named) => named.r === made.registration_id);
    assert.ok(person, "the list's names hold the person");
    return { index: person.k, person, checkedInAt: entries.get(person.k).c ?? null };
  }
  const key = await importListKey(made.list.key);
  return findTicket(key, made.typed, async (index) => entries.get(index));
}

for (const row of cases) {
  const made = lists?.cases.find((listed) => listed.name === row.name);
  const skip = lists ? false : "the server's lists come from pytest: tests/test_scanner_verdicts.py";
  test(`from the server's ticket list: ${row.name}`, { skip }, async () => {
    assert.ok(made, "the pytest run made a list for this case");
    const verdict = offlineVerdict(await findInList(made), TEXTS, clock, made.list?.window, Date.now());
    assert.equal(verdict.result, deviceSays(row));
    assert.equal(verdict.offline, true);
    assert.equal(verdict.title, TITLES[verdict.result]);
    if (["cancelled", "not_confirmed", "already", "checked_in", "outside_window"].includes(verdict.result)) {
      assert.equal(verdict.registration_id, made.registration_id);
      assert.equal(verdict.name, "Anna Nowak");
    } else {
      assert.equal(verdict.registration_id, undefined);
    }
    if (verdict.result === "already") assert.match(verdict.detail, /^in at time\(.+\)$/);
  });
}
