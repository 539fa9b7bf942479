/* The consumer market's service worker: shows the Web Push a favourite store's new listing sends. */
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let message = {};
  try { message = event.data ? event.data.json() : {}; } catch (error) { message = {body: event.data ? event.data.text() : ""}; }
  const title = message.title || "SmartDist";
  event.waitUntil(self.registration.showNotification(title, {
    body: message.body || "",
    tag: message.listing_id || undefined,
    data: {url: message.url || self.registration.scope + "market" + (message.listing_id ? "#listing=" + message.listing_id : "")},
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || self.registration.scope + "market";
  event.waitUntil(self.clients.matchAll({type: "window", includeUncontrolled: true}).then((open) => {
    for (const client of open) {
      if (client.url.startsWith(self.registration.scope) && "focus" in client) { client.navigate(url); return client.focus(); }
    }
    return self.clients.openWindow(url);
  }));
});
