// The scanner page as the server rendered it (templates/checkin/scanner.html): the
// #scanner element, whose data attributes hold the API addresses, the CSRF token,
// the time zone and the texts, translated by the server.
import { timeOfDay } from "./texts.js";

export var root = document.getElementById("scanner");
export var data = root ? root.dataset : {};
// A course's sessions each keep their own list and queue on the device.
export var storeKey = data.storeKey || data.slug;
export var T = root ? JSON.parse(data.texts) : {};

export function clock(iso) {
  return timeOfDay(iso, data.timeZone, document.documentElement.lang);
}
