// The scanner's texts come translated from the server, with {name}-style blanks;
// they are filled in here, and times of day are written in the event's time zone.

export function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, function (whole, name) {
    return values[name] === undefined ? whole : values[name];
  });
}

// "14:05" for an ISO time (now when none), in `timeZone` as `lang` writes it.
export function timeOfDay(iso, timeZone, lang) {
  var date = iso ? new Date(iso) : new Date();
  var options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: timeZone };
  try {
    return date.toLocaleTimeString(lang, options);
  } catch (error) {
    delete options.timeZone; // an unknown zone on an old browser: the device's own
    return date.toLocaleTimeString(lang, options);
  }
}
