/* The driver app's service worker: when the network is gone, the app's page and scripts come from
   the copy the page keeps in the "smartdist-driver" cache, so a reload without signal still opens
   the day (the route itself comes from localStorage, actions from the offline queue). API calls
   are left alone: the queue decides what to do when they fail. */
"use strict";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.includes("/api/")) return;
  event.respondWith(
    fetch(request).catch(() =>
      caches.open("smartdist-driver")
        .then((cache) => cache.match(request))
        .then((cached) => cached || Response.error())
    )
  );
});
