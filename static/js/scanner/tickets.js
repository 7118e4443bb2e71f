// Ticket codes, and the ticket list a scanner keeps to judge them offline. The
// server sends one entry per ticket: {k: a keyed hash (HMAC) of the code, e: the
// person's details {r, n, o, s} sealed with AES-GCM under a key derived from the code,
// c: when the person was checked in, or null}. An entry opens only with its ticket's
// code, so a lost phone tells nobody's name. Pure WebCrypto: no page, no IndexedDB.

// The same clean-up as the server: spaces, dashes and case do not count.
export function normalizeCode(code) {
  var upper = String(code).trim().toUpperCase();
  return upper.length <= 128 ? upper.replace(/[^A-Z0-9]/g, "") : upper;
}

function bytes(text) {
  return new TextEncoder().encode(text);
}

function fromBase64(text) {
  var binary = atob(text);
  var out = new Uint8Array(binary.length);
  for (var i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function hex(buffer) {
  return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
    return ("0" + b.toString(16)).slice(-2);
  }).join("");
}

// The list's key (base64, as the server sends it) as a WebCrypto HMAC key.
export function importListKey(base64Key) {
  return crypto.subtle.importKey(
    "raw", fromBase64(base64Key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]
  );
}

// {index, person: {r, n, o, s}, checkedInAt} for a ticket code, from the entry that
// `getEntry(index)` resolves to; null when the list does not know the code; false
// when the list cannot be read (corrupted): then the server judges.
export function findTicket(key, rawCode, getEntry) {
  var code = normalizeCode(rawCode);
  if (!key || !code) return Promise.resolve(null);
  return crypto.subtle.sign("HMAC", key, bytes("index:" + code)).then(function (sig) {
    return getEntry(hex(sig));
  }).then(function (entry) {
    if (!entry) return null;
    return crypto.subtle.sign("HMAC", key, bytes("entry:" + code)).then(function (raw) {
      return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["decrypt"]);
    }).then(function (aesKey) {
      var sealed = fromBase64(entry.e);
      return crypto.subtle.decrypt(
        { name: "AES-GCM", iv: sealed.slice(0, 12), additionalData: bytes(entry.k) },
        aesKey,
        sealed.slice(12)
      );
    }).then(function (plain) {
      return {
        index: entry.k,
        person: JSON.parse(new TextDecoder().decode(plain)),
        checkedInAt: entry.c || null,
      };
    });
  }).catch(function () {
    return false;
  });
}
