"""The read-only dashboard: four server-rendered pages over the store, no JavaScript.

`http` holds the request and response types the health server passes in and out (standard
library only, so `biddaemon run` pays for nothing until a page is asked for); `pages` routes a
request and guards it with the token (`auth`); `views` asks the store and shapes what each page
shows; `charts` turns numbers into SVG geometry; the Jinja2 templates (autoescaped) draw it.
The same `Dashboard` is served by the daemon's health server and by `biddaemon dashboard`.
"""
