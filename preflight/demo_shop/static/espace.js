// Logged-in espace client: leaves the kinds of state a real account page leaves behind, so
// that « close any open SFR session » has real things to find and clean. When all of it is
// written, <body data-storage="ready">, so tests can wait for it instead of sleeping.
(() => {
  "use strict";
  localStorage.setItem("sfr_user", "client.test@example.fr");
  const database = new Promise((resolve, reject) => {
    const request = indexedDB.open("sfr", 1);
    request.onupgradeneeded = () => request.result.createObjectStore("profil");
    request.onerror = () => reject(request.error);
    request.onsuccess = () => {
      const tx = request.result.transaction("profil", "readwrite");
      tx.objectStore("profil").put({ connecte: true }, "session");
      tx.oncomplete = () => { request.result.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  });
  const cache = "caches" in window
    ? caches.open("sfr-v1").then((c) => c.add("/sfr/static/logo.svg"))
    : Promise.resolve();
  Promise.allSettled([database, cache]).then((results) => {
    document.body.dataset.storage = results.every((r) => r.status === "fulfilled") ? "ready" : "partial";
  });
})();
