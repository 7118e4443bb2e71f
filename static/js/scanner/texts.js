// The scanner's texts come translated from the server, with {name}-style blanks;
// they are filled in here, and times of day are written in the event's time zone.

export function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, function (whole, name) {
    return values[name] === undefined ? whole : values[name];
  });
}

// "14:05" for an ISO time (now when none), in `timeZone` as `lang` writes it;
// `withDay`: "4 December, 14:05" ("4 grudnia 14:05"), for a time on another day.
export function timeOfDay(iso, timeZone, lang, withDay) {
  var date = iso ? new Date(iso) : new Date();
  var options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: timeZone };
  if (withDay) Object.assign(options, { day: "numeric", month: "long" });
  try {
    return date.toLocaleString(lang, options);
  } catch (error) {
    delete options.timeZone; // an unknown zone on an old browser: the device's own
    return date.toLocaleString(lang, options);
  }
}
