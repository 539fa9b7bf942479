"""Local fake servers for pandago, Uber Direct and Lalamove, implementing their documented shapes.

Each is a Starlette app: mount it behind `httpx.ASGITransport` (no sockets) or serve it with
uvicorn on 127.0.0.1. Order state comes from the broker's own courier sandbox, so the fakes
only add what the HTTP layer of each platform adds: authentication, request validation, the
platform's JSON shapes, its error bodies and its 429 answers.
"""
