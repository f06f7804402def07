"""Who is looking and what they may see: principals, roles, region scope, audit.

``principal`` defines the contract every entry point (pages, callbacks, API, exports) shares;
``cockpit.auth`` signs people in and sets the request's principal; ``scope`` enforces region
scope in the query layer; ``audit`` records what people did.
"""
