// Reads .ics files with Mozilla's ical.js (Thunderbird's parser) and prints,
// as JSON, each VEVENT's UID and start in UTC. ical.js ships no time zone
// database: it resolves a TZID only through the VTIMEZONE in the same file,
// so a wrong VTIMEZONE shows here as a wrong hour (as it does in Thunderbird).
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const results = [];
for (const path of process.argv.slice(2)) {
  const calendar = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")));
  for (const vevent of calendar.getAllSubcomponents("vevent")) {
    const event = new ICAL.Event(vevent);
    const start = event.startDate;
    results.push({
      file: path,
      uid: event.uid,
      tzid: start.timezone || (start.zone && start.zone.tzid) || null,
      utc: start.toJSDate().toISOString(),
    });
  }
}
process.stdout.write(JSON.stringify(results));
