// The scanner page as the server rendered it (templates/checkin/scanner.html): the
// #scanner element, whose data attributes hold the API addresses, the CSRF token,
// the time zone and the texts, translated by the server.
import { timeOfDay } from "./texts.js";

export var root = document.getElementById("scanner");
export var data = root ? root.dataset : {};
// A course's sessions each keep their own list and queue on the device.
export var storeKey = data.storeKey || data.slug;
export var T = root ? JSON.parse(data.texts) : {};

// `withDay`: the day too ("4 December, 14:05"), for a time that may not be today.
export function clock(iso, withDay) {
  return timeOfDay(iso, data.timeZone, document.documentElement.lang, withDay);
}
