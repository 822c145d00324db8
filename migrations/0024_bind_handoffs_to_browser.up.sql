-- Login CSRF on custom domains: a hand-off token is bound to the browser
-- that asked for it. Before sending the browser to ROOT_DOMAIN, the custom
-- domain sets a random nonce in a host-only cookie there; the platform keeps
-- the nonce's SHA-256 (browser_hash) with the token, and the custom domain
-- redeems the token only for a browser whose cookie hashes to it, so a link
-- minted by someone else signs nobody in. A token without one (minted before
-- this migration, by an instance not yet upgraded) is never redeemed.
ALTER TABLE session_handoffs ADD COLUMN browser_hash bytea CHECK (length(browser_hash) = 32);
