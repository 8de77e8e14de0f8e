// Package web is the web instance (mailq /WEB): every mailbox, its
// messages and the queue in a browser, and the same as a JSON API.
//
// # What it owns
//
// The HTTP handlers, the page templates and assets (embedded: no build
// step, no CDN), sessions and logins, the per-mailbox index that makes a
// list of ten thousand messages cheap, and the change watcher behind live
// refresh and the API's wait call.
//
// # Access
//
// A visitor on a loopback address, asking for the page by a loopback name
// (so a DNS-rebinding page cannot pose as one), is an administrator without
// a login unless WebLoginLocal is set. Everyone else logs in with a mail
// account: a session in a cookie signed with HMAC-SHA256 under a key made
// at start (restarting the instance logs everyone out). An account sees
// its own mailbox; the accounts in WebAdmins see every mailbox and the
// queue. The API also takes HTTP Basic credentials.
//
// Every change is a POST or DELETE. It passes net/http's cross-origin
// protection (Sec-Fetch-Site and Origin), and when it comes with a session
// cookie it must carry the session's CSRF token as well. Pages are sent
// with a strict Content-Security-Policy (scripts and styles from this
// origin only). A message's HTML is never part of a page: it is served
// alone, with "Content-Security-Policy: sandbox" and no script source, into
// an iframe whose sandbox attribute leaves scripts and the page's origin
// out; remote images load only when asked.
//
// # What it must not do
//
// It touches the tree only through package queue: it reads mailboxes and
// queue folders, deletes messages, and makes the administrator's changes
// (RetryNow, Requeue, DeleteWaiting, Remove), each a durable step of
// queue's own. It never holds a whole message in memory: messages are
// parsed as streams, and text shown in a page is capped.
package web
